// @roughcut/sdk: the roughcut API as resources (`rc.projects.create`, `rc.cuts.wait`, …) over one
// transport (auth, retries with idempotency keys, typed errors), auto-paginating lists, waits, a
// pipeline's live events and webhook verification.

import { Transport } from './client.js';
import { RoughcutConnectionError, RoughcutError } from './errors.js';
import { serverSentEvents } from './events.js';
import { Page } from './pages.js';
import { upload, uploadAudioProxy } from './upload.js';
import { FileUrlStore, LocalStorageUrlStore } from './url-stores.js';
import { pollUntil } from './waits.js';
import * as webhooks from './webhooks.js';

export { FileUrlStore, LocalStorageUrlStore, RoughcutConnectionError, RoughcutError, webhooks };

const id = (value) => encodeURIComponent(value);

export class Roughcut {
  /**
   * @param {{apiKey: string, baseUrl?: string, maxRetries?: number, timeoutMs?: number, fetch?: typeof fetch}} options
   */
  constructor(options) {
    const t = new Transport(options);
    this.transport = t;
    const get = (path, o = {}) => t.json('GET', path, o);
    const post = (path, body, o = {}) => t.json('POST', path, { ...o, body: body ?? {} });
    const del = (path, o = {}) => t.json('DELETE', path, o);
    const list = (path, { signal, ...query } = {}) => new Page(t, path, query, signal);

    this.credits = {
      balance: (o) => get('/v1/credits/balance', o),
      history: (query) => list('/v1/credits/history', query),
    };
    this.projects = {
      create: (body, o) => post('/v1/projects', body, o),
      get: (projectId, o) => get(`/v1/projects/${id(projectId)}`, o),
      list: (query) => list('/v1/projects', query),
      update: (projectId, body, o = {}) => t.json('PATCH', `/v1/projects/${id(projectId)}`, { ...o, body }),
      delete: (projectId, o) => del(`/v1/projects/${id(projectId)}`, o),
    };
    this.assets = {
      /** Uploads a recording (Blob/File, bytes, a stream, or a path in Node) over TUS; resolves with the asset. */
      upload: (source, o) => upload(t, source, o),
      /** Uploads a video asset's audio track (extracted in the browser) as its proxy; resolves with the asset. */
      uploadAudioProxy: (assetId, source, o) => uploadAudioProxy(t, assetId, source, o),
      create: (body, o) => post('/v1/assets', body, o),
      get: (assetId, o) => get(`/v1/assets/${id(assetId)}`, o),
      list: (query) => list('/v1/assets', query),
      delete: (assetId, o) => del(`/v1/assets/${id(assetId)}`, o),
      restore: (assetId, o) => post(`/v1/assets/${id(assetId)}/restore`, {}, o),
      createAudioProxy: (assetId, body, o) => post(`/v1/assets/${id(assetId)}/audio-proxy`, body, o),
      setTranscript: (assetId, body, o) => post(`/v1/assets/${id(assetId)}/transcript`, body, o),
      /** Resolves with the asset once `cuttable` (or `ready`); rejects if it fails. */
      waitUntil: (assetId, state = 'ready', o = {}) =>
        pollUntil(() => get(`/v1/assets/${id(assetId)}`, o), {
          done: (a) => a.state === 'ready' || (state === 'cuttable' && a.cuttable),
          failed: (a) => a.state === 'failed',
          what: 'asset',
          ...o,
        }),
    };
    this.cuts = {
      create: (body, o) => post('/v1/cuts', body, o),
      get: (cutId, o) => get(`/v1/cuts/${id(cutId)}`, o),
      list: (query) => list('/v1/cuts', query),
      delete: (cutId, o) => del(`/v1/cuts/${id(cutId)}`, o),
      wait: (cutId, o = {}) =>
        pollUntil(() => get(`/v1/cuts/${id(cutId)}`, o), {
          done: (c) => c.state === 'completed',
          failed: (c) => c.state === 'failed',
          what: 'cut',
          ...o,
        }),
      /** The cut for an editor: `otio`, `fcpxml`, `xmeml` or `edl`, as text. */
      export: (cutId, format, o = {}) => t.text('GET', `/v1/cuts/${id(cutId)}/export`, { ...o, query: { format } }),
      /** The words the cut was planned from, on the source's timeline: `{cut_id, words}`. */
      transcript: (cutId, o) => get(`/v1/cuts/${id(cutId)}/transcript`, o),
      /** Captions of what the cut keeps: `srt` or `vtt`, as text. */
      subtitles: (cutId, format, o = {}) =>
        t.text('GET', `/v1/cuts/${id(cutId)}/subtitle/export`, { ...o, query: { format } }),
    };
    this.renders = {
      create: (body, o) => post('/v1/renders', body, o),
      get: (renderId, o) => get(`/v1/renders/${id(renderId)}`, o),
      list: (query) => list('/v1/renders', query),
      delete: (renderId, o) => del(`/v1/renders/${id(renderId)}`, o),
      wait: (renderId, { onProgress, ...o } = {}) =>
        pollUntil(() => get(`/v1/renders/${id(renderId)}`, o), {
          done: (r) => r.state === 'completed',
          failed: (r) => r.state === 'failed',
          what: 'render',
          onPoll: (r) => onProgress?.(r.progress, r),
          ...o,
        }),
      /** The render's file: a `Uint8Array`, or its `ReadableStream` with `{stream: true}`. */
      download: async (renderId, { stream = false, signal } = {}) => {
        const render = await get(`/v1/renders/${id(renderId)}`, { signal });
        if (!render.download_url) {
          throw new RoughcutError({ status: 409, code: 'modifier_not_ready', message: `render ${renderId} is ${render.state}` });
        }
        const response = await t.fetch(render.download_url, { signal });
        if (!response.ok) throw RoughcutError.from(response, await response.text());
        return stream ? response.body : new Uint8Array(await response.arrayBuffer());
      },
    };
    this.pipelines = {
      estimate: (body, o) => post('/api/v1/pipelines/estimate', body, o),
      create: (body, o) => post('/api/v1/pipelines', body, o),
      get: (pipelineId, o) => get(`/api/v1/pipelines/${id(pipelineId)}`, o),
      list: (query) => list('/api/v1/pipelines', query),
      cancel: (pipelineId, o) => post(`/api/v1/pipelines/${id(pipelineId)}/cancel`, {}, o),
      retry: (pipelineId, o) => post(`/api/v1/pipelines/${id(pipelineId)}/retry`, {}, o),
      retryStep: (pipelineId, stepId, o) =>
        post(`/api/v1/pipelines/${id(pipelineId)}/steps/${id(stepId)}/retry`, {}, o),
      /** Its Server-Sent Events, `{id, event, data}`, until the pipeline ends. */
      events: (pipelineId, o = {}) => serverSentEvents(t, `/api/v1/pipelines/${id(pipelineId)}/events`, o),
    };
    this.webhookEndpoints = {
      create: (body, o) => post('/v1/webhook-endpoints', body, o),
      list: (query) => list('/v1/webhook-endpoints', query),
      get: (endpointId, o) => get(`/v1/webhook-endpoints/${id(endpointId)}`, o),
      update: (endpointId, body, o = {}) =>
        t.json('PATCH', `/v1/webhook-endpoints/${id(endpointId)}`, { ...o, body }),
      delete: (endpointId, o) => del(`/v1/webhook-endpoints/${id(endpointId)}`, o),
      rotateSecret: (endpointId, o) => post(`/v1/webhook-endpoints/${id(endpointId)}/rotate-secret`, {}, o),
      test: (endpointId, o) => post(`/v1/webhook-endpoints/${id(endpointId)}/test`, {}, o),
      deliveries: (endpointId, query) => list(`/v1/webhook-endpoints/${id(endpointId)}/deliveries`, query),
      redeliver: (endpointId, deliveryId, o) =>
        post(`/v1/webhook-endpoints/${id(endpointId)}/deliveries/${id(deliveryId)}/redeliver`, {}, o),
    };
  }
}
