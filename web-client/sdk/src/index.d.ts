// Types of @roughcut/sdk. The API's resources and request bodies come from api.d.ts, generated
// from the OpenAPI document the worker serves (scripts/sdk-types.sh; the e2e suite fails when the
// two differ); the client, errors, lists, waits, events, uploads and webhooks are typed here.

import type { components } from './api.js';

type Schemas = components['schemas'];
export type { components, paths } from './api.js';

export type Project = Schemas['Project'];
export type Asset = Schemas['Asset'];
export type Cut = Schemas['Cut'];
export type Render = Schemas['Render'];
export type Pipeline = Schemas['Pipeline'];
export type PipelineEstimate = Schemas['PipelineEstimate'];
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type LedgerEntry = Schemas['LedgerEntry'];
export type Balance = Schemas['Balance'];
export type CutOptions = Schemas['CutOptions'];

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

export interface ListPage<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Awaited: the first page. Iterated with `for await`: every item, page after page. */
export interface Page<T> extends PromiseLike<ListPage<T>>, AsyncIterable<T> {}

export type ListQuery = { limit?: number; offset?: number; signal?: AbortSignal; [filter: string]: unknown };

/** One of a pipeline's Server-Sent Events: its state, a step's state, or a step's progress. */
export interface PipelineEvent {
  id: string;
  event: 'pipeline.state' | 'step.state' | 'step.progress';
  data: { [field: string]: unknown };
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

interface Crud<T, Create> {
  create(body: Create, options?: CallOptions): Promise<T>;
  get(id: string, options?: CallOptions): Promise<T>;
  list(query?: ListQuery): Page<T>;
  delete(id: string, options?: CallOptions): Promise<null>;
}

/** Where `assets.upload` reads from. A stream (web or Node, or any async iterable of bytes) needs `size`. */
export type UploadSource =
  | Blob
  | Uint8Array
  | ArrayBuffer
  | string
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>;

/** Remembers unfinished uploads by their source's fingerprint, so that they resume after a crash or reload. */
export interface UploadUrlStore {
  get(key: string): Promise<{ id: string; upload_url: string } | null>;
  set(key: string, asset: { id: string; upload_url: string }): Promise<void>;
  remove(key: string): Promise<void>;
}

/** Unfinished uploads in a JSON file (Node). */
export class FileUrlStore implements UploadUrlStore {
  constructor(path: string);
  get(key: string): Promise<{ id: string; upload_url: string } | null>;
  set(key: string, asset: { id: string; upload_url: string }): Promise<void>;
  remove(key: string): Promise<void>;
}

/** Unfinished uploads in a browser's `localStorage`. */
export class LocalStorageUrlStore implements UploadUrlStore {
  constructor(storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>, prefix?: string);
  get(key: string): Promise<{ id: string; upload_url: string } | null>;
  set(key: string, asset: { id: string; upload_url: string }): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface UploadOptions extends CallOptions {
  project_id?: string;
  filename?: string;
  content_type?: string;
  language?: string;
  /** The byte length of a stream source (required for streams). */
  size?: number;
  /** Default 8 MiB; every chunk but the last has this size. */
  chunkBytes?: number;
  onProgress?: (progress: { bytesUploaded: number; bytesTotal: number; speed: number; eta: number | null }) => void;
  /** Told of the new asset before the first byte goes: keep it to `resume` with. */
  onCreated?: (asset: Asset) => void;
  /** An asset an earlier upload created (with its `upload_url`): continue where the server stands. */
  resume?: Pick<Asset, 'id' | 'upload_url'>;
  /** Where unfinished uploads of fingerprinted sources (paths, Files) are remembered and resumed from. */
  urlStore?: UploadUrlStore;
}

export class Roughcut {
  constructor(options: RoughcutOptions);
  credits: {
    balance(options?: CallOptions): Promise<Balance>;
    history(query?: ListQuery): Page<LedgerEntry>;
  };
  projects: Crud<Project, Schemas['CreateProject']> & {
    update(id: string, body: Schemas['UpdateProject'], options?: CallOptions): Promise<Project>;
  };
  assets: Crud<Asset, Schemas['CreateAsset']> & {
    /** Uploads over TUS, resumably; resolves with the asset once every byte is stored. */
    upload(source: UploadSource, options: UploadOptions): Promise<Asset>;
    /** Uploads a video asset's audio track (m4a/WAV extracted in the browser) as its audio proxy; resolves with the asset. */
    uploadAudioProxy(
      id: string,
      source: UploadSource,
      options?: Pick<UploadOptions, 'signal' | 'size' | 'chunkBytes' | 'onProgress'>,
    ): Promise<Asset>;
    restore(id: string, options?: CallOptions): Promise<Asset>;
    createAudioProxy(id: string, body: Schemas['CreateAudioProxy'], options?: CallOptions): Promise<Schemas['AudioProxyUpload']>;
    setTranscript(id: string, body: Schemas['TranscriptUpload'], options?: CallOptions): Promise<Schemas['TranscriptAccepted']>;
    waitUntil(id: string, state?: 'cuttable' | 'ready', options?: WaitOptions): Promise<Asset>;
  };
  cuts: Crud<Cut, Schemas['CreateCut']> & {
    wait(id: string, options?: WaitOptions): Promise<Cut>;
    export(id: string, format: 'otio' | 'fcpxml' | 'xmeml' | 'edl', options?: CallOptions): Promise<string>;
    subtitles(id: string, format: 'srt' | 'vtt', options?: CallOptions): Promise<string>;
    /** The words the cut was planned from, on the source's timeline. */
    transcript(id: string, options?: CallOptions): Promise<Schemas['CutTranscript']>;
  };
  renders: Crud<Render, Schemas['CreateRender']> & {
    wait(id: string, options?: WaitOptions & { onProgress?: (progress: number, render: Render) => void }): Promise<Render>;
    download(id: string, options?: { signal?: AbortSignal; stream?: false }): Promise<Uint8Array>;
    download(id: string, options: { signal?: AbortSignal; stream: true }): Promise<ReadableStream<Uint8Array>>;
  };
  pipelines: {
    estimate(body: Schemas['EstimatePipeline'], options?: CallOptions): Promise<PipelineEstimate>;
    create(body: Schemas['CreatePipeline'], options?: CallOptions): Promise<Pipeline>;
    get(id: string, options?: CallOptions): Promise<Pipeline>;
    list(query?: ListQuery): Page<Pipeline>;
    cancel(id: string, options?: CallOptions): Promise<Pipeline>;
    retry(id: string, options?: CallOptions): Promise<Pipeline>;
    retryStep(id: string, stepId: string, options?: CallOptions): Promise<Pipeline>;
    events(id: string, options?: { lastEventId?: string; signal?: AbortSignal }): AsyncIterable<PipelineEvent>;
  };
  webhookEndpoints: Crud<WebhookEndpoint, Schemas['CreateWebhookEndpoint']> & {
    update(id: string, body: Schemas['UpdateWebhookEndpoint'], options?: CallOptions): Promise<WebhookEndpoint>;
    rotateSecret(id: string, options?: CallOptions): Promise<WebhookEndpoint>;
    test(id: string, options?: CallOptions): Promise<WebhookDelivery>;
    deliveries(id: string, query?: ListQuery): Page<WebhookDelivery>;
    redeliver(id: string, deliveryId: string, options?: CallOptions): Promise<WebhookDelivery>;
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
