// Verifies one webhook request with the published Standard Webhooks library (npm
// `standardwebhooks`), never with our own HMAC code: reads {secret, body, headers} as JSON on
// stdin (body: the raw body as received; headers: as webhook-receiver.mjs printed them) and prints
// {"ok":true,"payload":…} or {"ok":false,"error":"…"}. Exits 0 either way (2 on unreadable input).
// Usage: echo '{"secret":"whsec_…","body":"…","headers":{…}}' | node webhook-verify.mjs
import { Webhook } from 'standardwebhooks';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
let input;
try {
  input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
} catch (error) {
  console.error(`webhook-verify: stdin is not JSON: ${error.message}`);
  process.exit(2);
}
let result;
try {
  const payload = new Webhook(input.secret).verify(input.body, input.headers ?? {});
  result = { ok: true, payload };
} catch (error) {
  result = { ok: false, error: `${error.name}: ${error.message}` };
}
console.log(JSON.stringify(result));
