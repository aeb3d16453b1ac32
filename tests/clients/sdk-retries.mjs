// @roughcut/sdk's retries against the real stack, with one Idempotency-Key per call:
// - 503: a proxy in front of the stack passes the first POST on, then loses the stack's answer and
//   says 503 with Retry-After, as a gateway does; the SDK sends it again with the same key, and the
//   stack replays its first answer instead of creating a second project.
// - 429: the key spends its rate on the stack itself; the SDK's POST is refused 429 with
//   Retry-After, waits it out, and is served.
// Prints one JSON line of what it saw. Usage: node sdk-retries.mjs BASE_URL API_KEY
import { createServer } from 'node:http';

import { Roughcut } from '../../web-client/sdk/src/index.js';

const [baseUrl, apiKey] = process.argv.slice(2);
const seen = {};

// 503 from a gateway that lost the answer
const proxied = [];
const proxy = createServer(async (request, response) => {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const upstream = await fetch(baseUrl + request.url, {
    method: request.method,
    headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host')),
    body: chunks.length ? Buffer.concat(chunks) : undefined,
  });
  const body = Buffer.from(await upstream.arrayBuffer());
  proxied.push({
    method: request.method,
    key: request.headers['idempotency-key'] ?? null,
    status: upstream.status,
    replayed: upstream.headers.get('idempotent-replayed'),
    id: upstream.headers.get('content-type')?.includes('json') ? JSON.parse(body).id ?? null : null,
  });
  if (request.method === 'POST' && proxied.filter((r) => r.method === 'POST').length === 1) {
    response.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' });
    return response.end('upstream connect error or disconnect/reset before headers');
  }
  response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
  response.end(body);
});
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const viaGateway = new Roughcut({ apiKey, baseUrl: `http://127.0.0.1:${proxy.address().port}` });
const lost = await viaGateway.projects.create({ name: 'answer lost once' });
proxy.close();
seen.gateway = { returned: lost.id, attempts: proxied };

// 429 from the stack's own rate limit
const attempts = [];
const counting = async (url, init) => {
  const response = await fetch(url, init);
  if (init?.method === 'POST') attempts.push({ key: init.headers['idempotency-key'], status: response.status, at: Date.now() });
  return response;
};
// an unknown path counts against the key's budget as any request does, and answers without a
// read, so the budget (1,000 per 10 s) is spent within its period even on a loaded machine
let limited = null;
for (let round = 0; round < 60 && !limited; round += 1) {
  const answers = await Promise.all(
    Array.from({ length: 100 }, () => fetch(`${baseUrl}/v1/rate-limit-probe`, { headers: { authorization: `Bearer ${apiKey}` } })),
  );
  limited = answers.find((a) => a.status === 429) ?? null;
  await Promise.all(answers.map((a) => a.arrayBuffer()));
}
if (!limited) throw new Error('the key was never limited');
const started = Date.now();
const rc = new Roughcut({ apiKey, baseUrl, fetch: counting, maxRetries: 3 });
const served = await rc.projects.create({ name: 'after the limit' });
seen.rate_limited = {
  retry_after: Number(limited.headers.get('retry-after')),
  waited_ms: Date.now() - started,
  returned: served.id,
  attempts: attempts.map(({ key, status }) => ({ key, status })),
};
console.log(JSON.stringify(seen));
