// Uploads one file with tus-js-client to @tus/server (npm, file store, in this process) and to
// roughcut's TUS endpoint, one after the other with the same client, chunk size and bytes, and
// prints the two wall times as JSON. Driven by bench/src/uploads.rs.
// Usage: node tus-bench.mjs <roughcut-endpoint> <api-key> <project-id> <file> <chunk-bytes>
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { Upload } from 'tus-js-client';

const [endpoint, apiKey, projectId, file, chunkSize] = process.argv.slice(2);
const bytes = readFileSync(file);

function upload(url, headers, metadata) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const job = new Upload(bytes, {
      endpoint: url,
      chunkSize: Number(chunkSize),
      headers,
      metadata,
      retryDelays: [],
      onError: reject,
      onSuccess: () => resolve((performance.now() - started) / 1000),
    });
    job.start();
  });
}

const directory = mkdtempSync(join(tmpdir(), 'tus-bench-'));
const tusServer = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const http = createServer((req, res) => tusServer.handle(req, res));
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
const peerUrl = `http://127.0.0.1:${http.address().port}/files`;
try {
  const peer = await upload(peerUrl, {}, { filename: 'bench.wav' });
  const roughcut = await upload(endpoint, { Authorization: `Bearer ${apiKey}` }, { project_id: projectId, filename: 'bench.wav' });
  console.log(JSON.stringify({ peer_seconds: peer, roughcut_seconds: roughcut }));
} finally {
  http.close();
  rmSync(directory, { recursive: true, force: true });
}
