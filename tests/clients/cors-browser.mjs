// Calls the API from a page on another origin in Debian's headless Chromium (playwright-core): a
// read, a JSON create (a preflighted request) and a TUS upload with tus-js-client's browser build,
// which needs Location and Upload-Offset exposed. Prints what the page could see as JSON.
// Usage: node cors-browser.mjs <api-base-url> <api-key> <project-id> <media-file>
import { readFileSync } from 'node:fs';
import { openPage } from '../../web-client/test/chromium.mjs';

const [base, apiKey, projectId, file] = process.argv.slice(2);
const { page, close } = await openPage('tests/clients/cors-page.html');
try {
  const bytes = [...readFileSync(file)];
  const seen = await page.evaluate(async ({ base, apiKey, projectId, bytes }) => {
    const auth = { Authorization: `Bearer ${apiKey}` };
    const seen = { origin: location.origin };
    try {
      const listed = await fetch(`${base}/v1/projects`, { headers: auth });
      seen.list = { status: listed.status, requestId: listed.headers.get('request-id') };
      const created = await fetch(`${base}/v1/assets`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ project_id: projectId, size_bytes: bytes.length, filename: 'cors.wav' }),
      });
      const uploadUrl = created.headers.get('Location');
      seen.create = { status: created.status, location: uploadUrl, id: (await created.json()).id };
      const head = await fetch(uploadUrl, { method: 'HEAD', headers: { ...auth, 'Tus-Resumable': '1.0.0' } });
      seen.head = {
        status: head.status,
        offset: head.headers.get('Upload-Offset'),
        length: head.headers.get('Upload-Length'),
        tusResumable: head.headers.get('Tus-Resumable'),
        requestId: head.headers.get('request-id'),
      };
      await new Promise((resolve, reject) => {
        const upload = new tus.Upload(new Blob([new Uint8Array(bytes)]), {
          uploadUrl,
          headers: auth,
          chunkSize: 64 * 1024,
          retryDelays: [],
          onSuccess: resolve,
          onError: reject,
        });
        upload.start();
      });
      seen.uploaded = true;
    } catch (error) {
      seen.error = String(error);
    }
    return seen;
  }, { base, apiKey, projectId, bytes });
  console.log(JSON.stringify(seen));
} finally {
  await close();
}
