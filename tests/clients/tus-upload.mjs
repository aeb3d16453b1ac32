// Uploads a file with tus-js-client (the real npm client) and prints the upload URL.
// Usage: node tus-upload.mjs <endpoint> <file> <chunk-bytes> <api-key> <metadata-json>
import { readFileSync } from 'node:fs';
import { Upload } from 'tus-js-client';

const [endpoint, file, chunkSize, apiKey, metadata] = process.argv.slice(2);
const upload = new Upload(readFileSync(file), {
  endpoint,
  chunkSize: Number(chunkSize),
  headers: { Authorization: `Bearer ${apiKey}` },
  metadata: JSON.parse(metadata),
  retryDelays: [],
  onError: (error) => {
    console.error(`tus-js-client: ${error}`);
    process.exit(1);
  },
  onSuccess: () => console.log(upload.url),
});
upload.start();
