// Uploads over TUS 1.0.0 (API.md "Uploads"): the asset is created, then its bytes go in chunks of
// one fixed size with PATCH; a chunk that fails (no answer, 5xx, 409 offset mismatch) is followed
// by HEAD, which says where the server stands, and the upload goes on from there. An upload begun
// earlier, by another process or before a crash, continues from its asset (`resume`: its id and
// `upload_url`, since an upload's id is not its asset's) or from the `urlStore` that remembered it
// under the recording's fingerprint.

import { RoughcutConnectionError, RoughcutError } from './errors.js';
import { backoffMs, sleep } from './client.js';
import { sourceOf } from './sources.js';

/** 8 MiB: far under the API's 64-MiB chunk cap and the platform's body cap. */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
const CHUNK_RETRIES = 5;

function uploadHeaders(extra = {}) {
  return { 'tus-resumable': '1.0.0', ...extra };
}

/**
 * Uploads `source` as a new asset of `options.project_id` (or continues an earlier upload) and
 * resolves with the asset once every byte is stored. `options.onCreated(asset)` is told of the
 * asset before the first byte goes, so that a caller can keep it to resume with.
 */
export async function upload(transport, source, options = {}) {
  const input = await sourceOf(source, options);
  const { asset, path, offset, forget } = await begin(transport, input, options);
  await transfer(transport, input, path, offset, options);
  await forget();
  return transport.json('GET', `/v1/assets/${encodeURIComponent(asset.id)}`, { signal: options.signal });
}

/**
 * Uploads a video asset's audio track, extracted in the browser (m4a or WAV bytes), as its audio
 * proxy: once it is in and processed the asset is `cuttable`, while its video still uploads.
 * Resolves with the (video) asset.
 */
export async function uploadAudioProxy(transport, assetId, source, options = {}) {
  const input = await sourceOf(source, options);
  const proxy = await transport.json('POST', `/v1/assets/${encodeURIComponent(assetId)}/audio-proxy`, {
    body: { size_bytes: input.size },
    signal: options.signal,
  });
  await transfer(transport, input, new URL(proxy.upload_url, transport.baseUrl).pathname, 0, options);
  return transport.json('GET', `/v1/assets/${encodeURIComponent(assetId)}`, { signal: options.signal });
}

/** Sends `input`'s bytes from `offset` to the upload at `path`, chunk by chunk, resuming from HEAD. */
async function transfer(transport, input, path, offset, { onProgress, signal, chunkBytes = DEFAULT_CHUNK_BYTES }) {
  const resumedAt = offset;
  const started = Date.now();
  let failures = 0;
  while (offset < input.size) {
    const chunk = await input.read(offset, Math.min(offset + chunkBytes, input.size));
    try {
      const response = await patch(transport, path, offset, chunk, signal);
      offset = Number(response.headers.get('upload-offset'));
      failures = 0;
    } catch (error) {
      const retryable = error instanceof RoughcutConnectionError || (error instanceof RoughcutError && (error.status >= 500 || error.status === 409 || error.status === 423));
      if (signal?.aborted || !retryable || failures >= CHUNK_RETRIES) throw error;
      failures += 1;
      await sleep(backoffMs(failures - 1, error.retryAfter ?? null), signal);
      offset = (await serverStands(transport, path, signal)).offset;
    }
    const seconds = (Date.now() - started) / 1000;
    const speed = seconds > 0 ? (offset - resumedAt) / seconds : 0;
    onProgress?.({ bytesUploaded: offset, bytesTotal: input.size, speed, eta: speed > 0 ? (input.size - offset) / speed : null });
  }
}

/**
 * Where the upload starts: an earlier one continued from where the server stands, or a new asset.
 * `forget` drops the remembered upload once every byte is in.
 */
async function begin(transport, input, options) {
  const { project_id, filename, content_type, language, onCreated, signal, resume, urlStore } = options;
  const pathOf = (asset) => new URL(asset.upload_url, transport.baseUrl).pathname;
  if (resume) {
    const path = pathOf(resume);
    const stands = await serverStands(transport, path, signal);
    if (stands.length !== input.size) {
      throw new TypeError(`roughcut: ${resume.id} takes ${stands.length} bytes; this source has ${input.size}`);
    }
    return { asset: resume, path, offset: stands.offset, forget: async () => {} };
  }
  const key = urlStore && input.fingerprint ? `${project_id}:${input.fingerprint}` : null;
  const forget = key ? () => urlStore.remove(key) : async () => {};
  const remembered = key ? await urlStore.get(key) : null;
  if (remembered) {
    const path = pathOf(remembered);
    const stands = await serverStands(transport, path, signal).catch((error) => {
      // gone (finished and processed, deleted, or expired): this recording starts over
      if (error instanceof RoughcutError && [404, 410].includes(error.status)) return null;
      throw error;
    });
    if (stands?.length === input.size) return { asset: remembered, path, offset: stands.offset, forget };
    await forget();
  }
  const asset = await transport.json('POST', '/v1/assets', {
    body: {
      project_id,
      size_bytes: input.size,
      filename: filename ?? input.name,
      content_type: content_type ?? input.type,
      language,
    },
    signal,
  });
  if (key) await urlStore.set(key, asset);
  onCreated?.(asset);
  return { asset, path: pathOf(asset), offset: 0, forget };
}

async function patch(transport, path, offset, chunk, signal) {
  return transport.send('PATCH', path, {
    headers: uploadHeaders({ 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }),
    rawBody: chunk,
    signal,
    // a failed chunk is resumed from HEAD's offset, not sent again blindly
    maxRetries: 0,
  });
}

/** Where the server stands (HEAD): its offset and the upload's length. */
async function serverStands(transport, path, signal) {
  const response = await transport.send('HEAD', path, { headers: uploadHeaders(), signal });
  return { offset: Number(response.headers.get('upload-offset')), length: Number(response.headers.get('upload-length')) };
}
