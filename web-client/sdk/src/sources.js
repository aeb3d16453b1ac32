// What an upload reads its bytes from: a Blob/File, bytes (a Node Buffer is a Uint8Array), a
// file's path in Node, or a stream (a web ReadableStream, a Node Readable, any async iterable of
// bytes) whose size is given. Each source reads the range a chunk needs; a stream can be read only
// forwards, so it keeps the chunk in flight, which is all a resume from HEAD asks again.

import { chunksOf } from './streams.js';

/**
 * The source of an upload: `{size, name, type, fingerprint, read(start, end)}`. `fingerprint`
 * names the same recording across processes (a path's file, a browser File), or is null.
 */
export async function sourceOf(source, { size } = {}) {
  if (typeof Blob !== 'undefined' && source instanceof Blob) return blobSource(source, fileFingerprint(source));
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return blobSource(new Blob([source]), null);
  if (typeof source === 'string') return pathSource(source);
  if (isStream(source)) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new TypeError('roughcut: a stream is uploaded with its `size` in bytes (the API needs the length first)');
    }
    return streamSource(source, size);
  }
  throw new TypeError(
    'roughcut: upload a Blob, File, Uint8Array/Buffer, ArrayBuffer, stream (with `size`) or (in Node) a file path',
  );
}

function blobSource(blob, fingerprint) {
  return {
    size: blob.size,
    name: blob.name,
    type: blob.type || undefined,
    fingerprint,
    read: async (start, end) => blob.slice(start, end),
  };
}

/** A browser File: its name, size and modification time, as tus-js-client fingerprints it. */
function fileFingerprint(blob) {
  return typeof blob.name === 'string' && blob.lastModified ? `file:${blob.name}:${blob.size}:${blob.lastModified}` : null;
}

async function pathSource(path) {
  const [{ openAsBlob }, { stat }, { resolve, basename }] = await Promise.all([
    import('node:fs'),
    import('node:fs/promises'),
    import('node:path'),
  ]);
  const absolute = resolve(path);
  const [blob, stats] = await Promise.all([openAsBlob(absolute), stat(absolute)]);
  return { ...blobSource(blob, `path:${absolute}:${stats.size}:${stats.mtimeMs}`), name: basename(absolute) };
}

function isStream(source) {
  return source != null && (typeof source.getReader === 'function' || typeof source[Symbol.asyncIterator] === 'function');
}

/** Pieces of a stream, as `Uint8Array`s. */
async function* piecesOf(stream) {
  for await (const piece of chunksOf(stream)) yield typeof piece === 'string' ? new TextEncoder().encode(piece) : piece;
}

function streamSource(stream, size) {
  const pieces = piecesOf(stream);
  // the bytes from `held` on: the chunk being sent, kept until the next one starts
  let held = 0;
  let buffer = new Uint8Array(0);
  return {
    size,
    name: undefined,
    type: undefined,
    fingerprint: null,
    read: async (start, end) => {
      if (start < held) {
        throw new Error(`roughcut: a stream cannot go back to byte ${start}; it was read up to ${held}`);
      }
      while (held + buffer.length < end) {
        const { done, value } = await pieces.next();
        if (done) throw new Error(`roughcut: the stream ended after ${held + buffer.length} of its ${size} bytes`);
        const grown = new Uint8Array(buffer.length + value.length);
        grown.set(buffer);
        grown.set(value, buffer.length);
        buffer = grown;
      }
      buffer = buffer.subarray(start - held);
      held = start;
      return buffer.slice(0, end - start);
    },
  };
}
