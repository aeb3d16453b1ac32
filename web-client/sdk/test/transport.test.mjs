// The SDK's transport against a local HTTP server that answers as scripted: retries with one
// idempotency key, Retry-After, typed errors, timeouts, auto-pagination and the event stream's
// reconnection. (The same calls against the real stack are in tests/e2e/sdk.rs.)
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { Roughcut, RoughcutConnectionError, RoughcutError } from '../src/index.js';

let server;
let baseUrl;
let handler = () => {};
const seen = [];

before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      seen.push({ method: request.method, url: request.url, headers: request.headers, body });
      handler(request, response, body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

function answer(response, status, body, headers = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body === undefined ? '' : JSON.stringify(body));
}

const client = (options = {}) => new Roughcut({ apiKey: 'sk_test', baseUrl, ...options });

test('a POST answered 503 and 429 is retried with the same idempotency key, after Retry-After', async () => {
  seen.length = 0;
  let calls = 0;
  handler = (req, res) => {
    calls += 1;
    if (calls === 1) return answer(res, 503, { error: { code: 'internal_error', message: 'busy' } }, { 'retry-after': '0' });
    if (calls === 2) return answer(res, 429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '0' });
    answer(res, 201, { id: 'prj_1', name: 'Launch' });
  };
  const project = await client().projects.create({ name: 'Launch' });
  assert.equal(project.id, 'prj_1');
  assert.equal(seen.length, 3);
  const keys = new Set(seen.map((r) => r.headers['idempotency-key']));
  assert.equal(keys.size, 1, 'one key across the retries');
  assert.match([...keys][0], /^[0-9a-f-]{36}$/);
  assert.equal(seen[0].headers.authorization, 'Bearer sk_test');
  assert.deepEqual(JSON.parse(seen[2].body), { name: 'Launch' });
});

test('an error answer is a RoughcutError with the envelope; a 422 is not retried', async () => {
  seen.length = 0;
  handler = (req, res) =>
    answer(res, 422, {
      error: { code: 'validation_error', message: 'see fields', fields: [{ field: 'body.name', message: 'required' }] },
    }, { 'request-id': 'req_1' });
  const error = await client().projects.create({}).catch((e) => e);
  assert.ok(error instanceof RoughcutError);
  assert.equal(error.status, 422);
  assert.equal(error.code, 'validation_error');
  assert.deepEqual(error.fields, [{ field: 'body.name', message: 'required' }]);
  assert.equal(error.requestId, 'req_1');
  assert.equal(seen.length, 1);
});

test('retries end after maxRetries with the last error', async () => {
  seen.length = 0;
  handler = (req, res) => answer(res, 503, { error: { code: 'internal_error', message: 'down', request_id: 'req_9' } }, { 'retry-after': '0' });
  const error = await client({ maxRetries: 1 }).credits.balance().catch((e) => e);
  assert.equal(error.status, 503);
  assert.equal(error.requestId, 'req_9');
  assert.equal(seen.length, 2, 'the first and one retry');
});

test('no answer is a RoughcutConnectionError; a timeout says so', async () => {
  const unreachable = new Roughcut({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9', maxRetries: 0 });
  const refused = await unreachable.credits.balance().catch((e) => e);
  assert.ok(refused instanceof RoughcutConnectionError);
  assert.equal(refused.timedOut, false);
  handler = () => {}; // never answers
  const slow = await client({ timeoutMs: 200, maxRetries: 0 }).credits.balance().catch((e) => e);
  assert.ok(slow instanceof RoughcutConnectionError);
  assert.equal(slow.timedOut, true);
});

test('a caller that aborts stops the call and its retries', async () => {
  handler = (req, res) => answer(res, 503, { error: { code: 'internal_error', message: 'down' } }, { 'retry-after': '5' });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('the user left')), 100);
  const error = await client().credits.balance({ signal: controller.signal }).catch((e) => e);
  assert.equal(error.message, 'the user left');
});

test('a list is its first page when awaited, and every item when iterated', async () => {
  const all = Array.from({ length: 5 }, (_, i) => ({ id: `prj_${i}` }));
  seen.length = 0;
  handler = (req, res) => {
    const url = new URL(req.url, baseUrl);
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    answer(res, 200, { items: all.slice(offset, offset + limit), total: all.length, limit, offset });
  };
  const rc = client();
  const first = await rc.projects.list({ limit: 2 });
  assert.deepEqual(first.items.map((p) => p.id), ['prj_0', 'prj_1']);
  const ids = [];
  for await (const project of rc.projects.list({ limit: 2, state: 'active' })) ids.push(project.id);
  assert.deepEqual(ids, all.map((p) => p.id));
  assert.ok(seen.slice(1).every((r) => r.url.includes('state=active')), 'the filter on every page');
});

test('an event stream resumes after a dropped connection with Last-Event-ID and ends with the pipeline', async () => {
  const events = [
    ['1', 'pipeline.state', { state: 'PENDING' }],
    ['2', 'pipeline.state', { state: 'RUNNING' }],
    ['3', 'step.state', { state: 'RUNNING' }],
    ['4', 'pipeline.state', { state: 'COMPLETED' }],
  ];
  const lastIds = [];
  handler = (req, res) => {
    const last = req.headers['last-event-id'] ?? null;
    lastIds.push(last);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('retry: 10\n\n: keep-alive\n\n');
    const from = last ? events.findIndex(([id]) => id === last) + 1 : 0;
    // the first connection drops after two events
    const upTo = last ? events.length : 2;
    for (const [id, event, data] of events.slice(from, upTo)) res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    res.end();
  };
  const received = [];
  for await (const event of client().pipelines.events('pip_1')) received.push([event.id, event.event, event.data.state]);
  assert.deepEqual(received, events.map(([id, event, data]) => [id, event, data.state]));
  assert.deepEqual(lastIds, [null, '2']);
});
