// Upload sources and the stores of unfinished uploads: what each source reads for a chunk, a
// stream read forwards only, and a file store that survives its process. (Uploads of each kind to
// the real stack are in tests/e2e/sdk.rs.)
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';

import { FileUrlStore, LocalStorageUrlStore } from '../src/index.js';
import { sourceOf } from '../src/sources.js';

const dir = await mkdtemp(join(tmpdir(), 'roughcut-sdk-'));
after(() => rm(dir, { recursive: true, force: true }));

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
const text = async (part) => new Uint8Array(await new Response(part).arrayBuffer());

test('a path reads its ranges and is fingerprinted by file, size and modification time', async () => {
  const path = join(dir, 'talk.mp4');
  await writeFile(path, bytes);
  const source = await sourceOf(path);
  assert.deepEqual([source.size, source.name], [1000, 'talk.mp4']);
  assert.deepEqual(await text(await source.read(100, 300)), bytes.subarray(100, 300));
  const same = await sourceOf(path);
  assert.equal(same.fingerprint, source.fingerprint);
  await utimes(path, new Date(), new Date(Date.now() + 5_000));
  assert.notEqual((await sourceOf(path)).fingerprint, source.fingerprint, 'a changed file is another recording');
});

test('a File is fingerprinted, bare bytes are not', async () => {
  const file = new File([bytes], 'take.webm', { type: 'video/webm', lastModified: 1_700_000_000_000 });
  const source = await sourceOf(file);
  assert.deepEqual([source.name, source.type, source.fingerprint], ['take.webm', 'video/webm', 'file:take.webm:1000:1700000000000']);
  assert.equal((await sourceOf(Buffer.from(bytes))).fingerprint, null);
  assert.equal((await sourceOf(bytes.buffer)).size, 1000);
});

for (const [kind, make] of [
  ['a Node Readable', () => Readable.from(pieces(bytes, 7))],
  ['a web ReadableStream', () => ReadableStream.from(pieces(bytes, 13))],
  ['an async iterable', () => pieces(bytes, 64)],
]) {
  test(`${kind} reads forwards, again from within its last chunk, and never back`, async () => {
    const source = await sourceOf(make(), { size: 1000 });
    assert.equal(source.fingerprint, null);
    assert.deepEqual(await text(await source.read(0, 400)), bytes.subarray(0, 400));
    // a resume from HEAD: the server kept part of the chunk
    assert.deepEqual(await text(await source.read(250, 650)), bytes.subarray(250, 650));
    await assert.rejects(source.read(100, 500), /cannot go back to byte 100/);
    assert.deepEqual(await text(await source.read(650, 1000)), bytes.subarray(650, 1000));
  });
}

test('a stream needs its size, and one that ends early says so', async () => {
  await assert.rejects(sourceOf(Readable.from([bytes])), /with its `size`/);
  const short = await sourceOf(Readable.from([bytes.subarray(0, 10)]), { size: 1000 });
  await assert.rejects(short.read(0, 500), /ended after 10 of its 1000 bytes/);
});

test('a file store remembers uploads across instances, and forgets them', async () => {
  const path = join(dir, 'state', 'uploads.json');
  const asset = { id: 'ast_1', upload_url: 'http://127.0.0.1:8787/v1/uploads/ast_1', state: 'pending_upload' };
  await new FileUrlStore(path).set('prj_1:path:/a:1:2', asset);
  await new FileUrlStore(path).set('prj_1:path:/b:1:2', { ...asset, id: 'ast_2' });
  const reopened = new FileUrlStore(path);
  assert.deepEqual(await reopened.get('prj_1:path:/a:1:2'), { id: 'ast_1', upload_url: asset.upload_url });
  await reopened.remove('prj_1:path:/a:1:2');
  assert.equal(await new FileUrlStore(path).get('prj_1:path:/a:1:2'), null);
  assert.deepEqual(Object.keys(JSON.parse(await readFile(path, 'utf8'))), ['prj_1:path:/b:1:2']);
  await writeFile(path, '{"half');
  assert.equal(await new FileUrlStore(path).get('prj_1:path:/b:1:2'), null, 'a torn file resumes nothing');
});

test('a localStorage store keeps only the id and the URL', async () => {
  const storage = new Map();
  const store = new LocalStorageUrlStore({
    getItem: (k) => storage.get(k) ?? null,
    setItem: (k, v) => storage.set(k, v),
    removeItem: (k) => storage.delete(k),
  });
  await store.set('fp', { id: 'ast_1', upload_url: '/v1/uploads/ast_1', filename: 'x' });
  assert.deepEqual([...storage.keys()], ['roughcut-upload:fp']);
  assert.deepEqual(await store.get('fp'), { id: 'ast_1', upload_url: '/v1/uploads/ast_1' });
  await store.remove('fp');
  assert.equal(await store.get('fp'), null);
});

async function* pieces(all, size) {
  for (let at = 0; at < all.length; at += size) yield all.slice(at, at + size);
}
