// A webhook receiver for the e2e tests and the webhook benchmark: an HTTP server on 127.0.0.1 on
// a free port. Prints {"port":N} as its first stdout line, then one JSON line per request
// received: {path, method, headers (names lower-cased), body (the raw body as received, UTF-8),
// received_at_ms (when its headers arrived)}. Answers by the path's first segment:
//   /ok/…                 200 "ok"
//   /unavailable-twice/…  503 with Retry-After: 1 to the first two requests of each webhook-id,
//                         then 200 "ok"
//   /fail/…               500 with 3,000 "x" (more than the 1 KiB a delivery keeps of an answer)
//   /gone/…               410
//   anything else         404
// Runs until killed; when its stdin is a pipe (as the tests spawn it) it also exits when that
// pipe closes, so that a receiver never outlives the process that started it.
// Usage: node webhook-receiver.mjs
import { fstatSync } from 'node:fs';
import { createServer } from 'node:http';

const unavailable = new Map(); // webhook-id → requests answered 503 so far

function answer(segment, headers) {
  switch (segment) {
    case 'ok':
      return [200, {}, 'ok'];
    case 'unavailable-twice': {
      const id = String(headers['webhook-id'] ?? '');
      const refused = unavailable.get(id) ?? 0;
      if (refused < 2) {
        unavailable.set(id, refused + 1);
        return [503, { 'retry-after': '1' }, 'unavailable'];
      }
      return [200, {}, 'ok'];
    }
    case 'fail':
      return [500, {}, 'x'.repeat(3000)];
    case 'gone':
      return [410, {}, 'gone'];
    default:
      return [404, {}, 'no such receiver'];
  }
}

const server = createServer((request, response) => {
  const receivedAt = Date.now();
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const path = request.url ?? '/';
    const line = {
      path,
      method: request.method,
      headers: request.headers, // Node lower-cases header names
      body: Buffer.concat(chunks).toString('utf8'),
      received_at_ms: receivedAt,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    const segment = path.split('?')[0].split('/')[1] ?? '';
    const [status, headers, body] = answer(segment, request.headers);
    response.writeHead(status, { 'content-type': 'text/plain', ...headers });
    response.end(body);
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

let stdinIsPipe = false;
try {
  stdinIsPipe = fstatSync(0).isFIFO();
} catch {
  // no stdin at all: nothing to watch
}
if (stdinIsPipe) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
