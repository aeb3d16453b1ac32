// Types of @roughcut/sdk. Resources are typed loosely (`Resource`) until the generated OpenAPI
// types land; the client, errors, lists, waits, events and webhooks are typed exactly.

export interface RoughcutOptions {
  /** An account's API key (`sk_…`). */
  apiKey: string;
  /** Default: `make dev`'s `http://127.0.0.1:8787`. */
  baseUrl?: string;
  /** Retries of a call that got no answer, 408, 429 or 5xx (default 2). */
  maxRetries?: number;
  /** Per attempt (default 60 000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** POST only: the `Idempotency-Key` (default: a new UUID, kept across the call's retries). */
  idempotencyKey?: string;
  timeoutMs?: number;
}

export interface WaitOptions extends CallOptions {
  /** Default 15 minutes. */
  timeoutMs?: number;
}

/** A resource as the API returns it (see the OpenAPI document at /v1/openapi.json). */
export type Resource = { id: string; [field: string]: unknown };

export interface ListPage<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Awaited: the first page. Iterated with `for await`: every item, page after page. */
export interface Page<T> extends PromiseLike<ListPage<T>>, AsyncIterable<T> {}

export type ListQuery = { limit?: number; offset?: number; signal?: AbortSignal; [filter: string]: unknown };

export interface PipelineEvent {
  id: string;
  event: 'pipeline.state' | 'step.state' | 'step.progress';
  data: Resource;
}

export class RoughcutError extends Error {
  status: number;
  /** API.md's error code (`not_found`, `validation_error`, …). */
  code: string;
  fields: { field: string; message: string }[];
  requestId: string | null;
  /** Seconds, from `Retry-After`. */
  retryAfter: number | null;
}

export class RoughcutConnectionError extends Error {
  timedOut: boolean;
}

interface Crud {
  create(body: object, options?: CallOptions): Promise<Resource>;
  get(id: string, options?: CallOptions): Promise<Resource>;
  list(query?: ListQuery): Page<Resource>;
  delete(id: string, options?: CallOptions): Promise<null>;
}

export class Roughcut {
  constructor(options: RoughcutOptions);
  credits: {
    balance(options?: CallOptions): Promise<{ balance: number; reserved: number; available: number }>;
    history(query?: ListQuery): Page<Resource>;
  };
  projects: Crud & { update(id: string, body: { name?: string; state?: 'active' | 'archived' }, options?: CallOptions): Promise<Resource> };
  assets: Crud & {
    /** Uploads over TUS, resumably; resolves with the asset once every byte is stored. */
    upload(
      source: Blob | Uint8Array | ArrayBuffer | string,
      options: CallOptions & {
        project_id?: string;
        filename?: string;
        content_type?: string;
        language?: string;
        /** Default 8 MiB; every chunk but the last has this size. */
        chunkBytes?: number;
        onProgress?: (progress: { bytesUploaded: number; bytesTotal: number; speed: number; eta: number | null }) => void;
        /** Told of the new asset before the first byte goes: keep it to `resume` with. */
        onCreated?: (asset: Resource) => void;
        /** An asset an earlier upload created (with its `upload_url`): continue where the server stands. */
        resume?: Resource;
      },
    ): Promise<Resource>;
    restore(id: string, options?: CallOptions): Promise<Resource>;
    createAudioProxy(id: string, body: { size_bytes: number }, options?: CallOptions): Promise<Resource>;
    setTranscript(id: string, body: object, options?: CallOptions): Promise<Resource>;
    waitUntil(id: string, state?: 'cuttable' | 'ready', options?: WaitOptions): Promise<Resource>;
  };
  cuts: Crud & {
    wait(id: string, options?: WaitOptions): Promise<Resource>;
    export(id: string, format: 'otio' | 'fcpxml' | 'xmeml' | 'edl', options?: CallOptions): Promise<string>;
    subtitles(id: string, format: 'srt' | 'vtt', options?: CallOptions): Promise<string>;
  };
  renders: Crud & {
    wait(id: string, options?: WaitOptions & { onProgress?: (progress: number, render: Resource) => void }): Promise<Resource>;
    download(id: string, options?: { signal?: AbortSignal; stream?: false }): Promise<Uint8Array>;
    download(id: string, options: { signal?: AbortSignal; stream: true }): Promise<ReadableStream<Uint8Array>>;
  };
  pipelines: {
    estimate(body: object, options?: CallOptions): Promise<Resource>;
    create(body: object, options?: CallOptions): Promise<Resource>;
    get(id: string, options?: CallOptions): Promise<Resource>;
    list(query?: ListQuery): Page<Resource>;
    cancel(id: string, options?: CallOptions): Promise<Resource>;
    retry(id: string, options?: CallOptions): Promise<Resource>;
    retryStep(id: string, stepId: string, options?: CallOptions): Promise<Resource>;
    events(id: string, options?: { lastEventId?: string; signal?: AbortSignal }): AsyncIterable<PipelineEvent>;
  };
  webhookEndpoints: Crud & {
    update(id: string, body: object, options?: CallOptions): Promise<Resource>;
    rotateSecret(id: string, options?: CallOptions): Promise<Resource>;
    test(id: string, options?: CallOptions): Promise<Resource>;
    deliveries(id: string, query?: ListQuery): Page<Resource>;
    redeliver(id: string, deliveryId: string, options?: CallOptions): Promise<Resource>;
  };
}

export namespace webhooks {
  class WebhookVerificationError extends Error {}
  /** The event, when `rawBody` is signed with `secret`; throws `WebhookVerificationError` otherwise. */
  function verify(
    rawBody: string | Uint8Array,
    headers: Headers | Record<string, string>,
    secret: string,
    options?: { now?: number },
  ): Promise<{ type: string; data: { entity_id: string; asset_id?: string } }>;
  /** The headers the API would send with `body`, for tests. */
  function sign(body: string, secret: string, options?: { id?: string; timestamp?: number }): Promise<Record<string, string>>;
}
