// The SDK in Debian's headless Chromium (playwright-core), on a page of another origin: a `File`
// uploaded with `rc.assets.upload` (TUS through the browser's fetch and CORS) and a webhook signed
// and verified on the browser's WebCrypto. Prints what the page saw as JSON.
// Usage: node sdk-browser.mjs <api-base-url> <api-key> <project-id> <media-file>
import { readFileSync } from 'node:fs';
import { openPage } from '../../web-client/test/chromium.mjs';

const [base, apiKey, projectId, file] = process.argv.slice(2);
const { page, close } = await openPage('web-client/test/blank.html');
try {
  const bytes = [...readFileSync(file)];
  const seen = await page.evaluate(async ({ base, apiKey, projectId, bytes }) => {
    const { Roughcut, webhooks } = await import('/web-client/sdk/src/index.js');
    const seen = { origin: location.origin, progress: [] };
    try {
      const rc = new Roughcut({ apiKey, baseUrl: base });
      const file = new File([new Uint8Array(bytes)], 'browser.wav', { type: 'audio/wav' });
      const asset = await rc.assets.upload(file, {
        project_id: projectId,
        chunkBytes: 64 * 1024,
        onProgress: (p) => seen.progress.push(p.bytesUploaded),
      });
      seen.asset = { id: asset.id, size_bytes: asset.size_bytes, filename: asset.filename, state: asset.state };
      const secret = `whsec_${btoa('a browser-made secret, 24+ bytes long')}`;
      const body = JSON.stringify({ type: 'webhook.test', data: { entity_id: 'whe_1' } });
      const headers = await webhooks.sign(body, secret);
      seen.verified = (await webhooks.verify(body, new Headers(headers), secret)).type;
      seen.tampered = await webhooks.verify(body.replace('whe_1', 'whe_2'), headers, secret).then(() => 'accepted', (e) => e.name);
    } catch (error) {
      seen.error = `${error.name}: ${error.message}`;
    }
    return seen;
  }, { base, apiKey, projectId, bytes });
  console.log(JSON.stringify(seen));
} finally {
  await close();
}
