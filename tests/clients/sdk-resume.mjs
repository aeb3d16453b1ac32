// An upload with @roughcut/sdk that survives its process: `first` uploads RECORDING with a file
// store of unfinished uploads and exits once two of its four chunks are in, as a crash would;
// `second` uploads the same recording with the same store, which resumes the same asset where the
// server stands. Prints one JSON line of what it saw.
// Usage: node sdk-resume.mjs first|second BASE_URL API_KEY PROJECT_ID RECORDING STORE_FILE
import { stat } from 'node:fs/promises';

import { FileUrlStore, Roughcut } from '../../web-client/sdk/src/index.js';

const [phase, baseUrl, apiKey, projectId, recording, storeFile] = process.argv.slice(2);
const offsets = [];
const recordingFetch = (url, init) => {
  if (init?.method === 'PATCH') offsets.push(Number(init.headers['upload-offset']));
  return fetch(url, init);
};
const rc = new Roughcut({ apiKey, baseUrl, fetch: recordingFetch });
const size = (await stat(recording)).size;
const chunkBytes = Math.ceil(size / 4);
const urlStore = new FileUrlStore(storeFile);
let created = null;
const asset = await rc.assets.upload(recording, {
  project_id: projectId,
  chunkBytes,
  urlStore,
  onCreated: (a) => (created = a.id),
  onProgress: ({ bytesUploaded }) => {
    if (phase === 'first' && bytesUploaded >= 2 * chunkBytes) {
      console.log(JSON.stringify({ created, offsets }));
      process.exit(0);
    }
  },
});
console.log(JSON.stringify({ created, asset: asset.id, size_bytes: asset.size_bytes, chunk_bytes: chunkBytes, offsets }));
