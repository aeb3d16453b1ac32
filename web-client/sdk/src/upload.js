// Uploads over TUS 1.0.0 (API.md "Uploads"): the asset is created, then its bytes go in chunks of
// one fixed size with PATCH; a chunk that fails (no answer, 5xx, 409 offset mismatch) is followed
// by HEAD, which says where the server stands, and the upload goes on from there. `resume` (the
// asset an earlier upload created, with its `upload_url`) continues an upload begun earlier, by
// another process or before a crash.

import { RoughcutConnectionError, RoughcutError } from './errors.js';
import { backoffMs, sleep } from './client.js';

/** 8 MiB: far under the API's 64-MiB chunk cap and the platform's body cap. */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
const CHUNK_RETRIES = 5;

/** A `Blob` of `source`: a Blob/File, bytes, or (in Node) a file's path. */
async function blobOf(source) {
  if (typeof Blob !== 'undefined' && source instanceof Blob) return source;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return new Blob([source]);
  if (typeof source === 'string') {
    const { openAsBlob } = await import('node:fs');
    return openAsBlob(source);
  }
  throw new TypeError('roughcut: upload a Blob, File, Uint8Array, ArrayBuffer or (in Node) a file path');
}

function uploadHeaders(extra = {}) {
  return { 'tus-resumable': '1.0.0', ...extra };
}

/**
 * Uploads `source` as a new asset of `options.project_id` (or continues `options.resume`) and
 * resolves with the asset once every byte is stored. `options.onCreated(asset)` is told of the
 * asset before the first byte goes, so that a caller can keep it to resume with.
 */
export async function upload(transport, source, options = {}) {
  const { project_id, filename, content_type, language, onProgress, onCreated, signal, resume, chunkBytes = DEFAULT_CHUNK_BYTES } = options;
  const blob = await blobOf(source);
  let asset = resume;
  if (!asset) {
    const name = filename ?? (typeof source === 'string' ? source.split(/[\\/]/).pop() : source.name);
    asset = await transport.json('POST', '/v1/assets', {
      body: { project_id, size_bytes: blob.size, filename: name, content_type: content_type ?? (blob.type || undefined), language },
      signal,
    });
    onCreated?.(asset);
  }
  const path = new URL(asset.upload_url, transport.baseUrl).pathname;
  let offset = resume ? await currentOffset(transport, path, signal) : 0;
  const started = Date.now();
  const startOffset = offset;
  let failures = 0;
  while (offset < blob.size) {
    const chunk = blob.slice(offset, Math.min(offset + chunkBytes, blob.size));
    try {
      const response = await patch(transport, path, offset, chunk, signal);
      offset = Number(response.headers.get('upload-offset'));
      failures = 0;
    } catch (error) {
      const retryable = error instanceof RoughcutConnectionError || (error instanceof RoughcutError && (error.status >= 500 || error.status === 409 || error.status === 423));
      if (signal?.aborted || !retryable || failures >= CHUNK_RETRIES) throw error;
      failures += 1;
      await sleep(backoffMs(failures - 1, error.retryAfter ?? null), signal);
      offset = await currentOffset(transport, path, signal);
    }
    const seconds = (Date.now() - started) / 1000;
    const speed = seconds > 0 ? (offset - startOffset) / seconds : 0;
    onProgress?.({ bytesUploaded: offset, bytesTotal: blob.size, speed, eta: speed > 0 ? (blob.size - offset) / speed : null });
  }
  return transport.json('GET', `/v1/assets/${encodeURIComponent(asset.id)}`, { signal });
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

/** Where the server stands (HEAD). */
async function currentOffset(transport, path, signal) {
  const response = await transport.send('HEAD', path, { headers: uploadHeaders(), signal });
  return Number(response.headers.get('upload-offset'));
}
