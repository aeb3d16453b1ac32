// The SDK inside workerd (the Workers runtime, through Miniflare): a Worker bundling
// @roughcut/sdk verifies webhooks on the runtime's WebCrypto, each signed by the published
// Standard Webhooks library (npm `standardwebhooks`) in Node.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { Webhook } from 'standardwebhooks';

const secret = `whsec_${Buffer.from('a secret for the Workers runtime').toString('base64')}`;
const body = JSON.stringify({ type: 'cut.completed', data: { entity_id: 'cut_1', asset_id: 'ast_1' } });

// a receiving Worker, as a user of the SDK writes one
const receiver = `
import { webhooks } from './src/index.js';
export default {
  async fetch(request, env) {
    try {
      const event = await webhooks.verify(await request.text(), request.headers, env.WEBHOOK_SECRET);
      return Response.json({ verified: event.type, runtime: navigator.userAgent });
    } catch (error) {
      return Response.json({ refused: error.name, message: error.message }, { status: 400 });
    }
  },
};`;

let worker;
before(async () => {
  const bundled = await build({
    stdin: { contents: receiver, resolveDir: join(dirname(fileURLToPath(import.meta.url)), '..'), loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    external: ['node:*'],
    write: false,
  });
  worker = new Miniflare({
    modules: true,
    script: bundled.outputFiles[0].text,
    compatibilityDate: '2026-04-01',
    bindings: { WEBHOOK_SECRET: secret },
  });
  await worker.ready;
});
after(() => worker?.dispose());

function deliver(headers, payload = body) {
  return worker.dispatchFetch('http://receiver.test/', { method: 'POST', headers, body: payload });
}

function signed(id, date = new Date(), key = secret) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(date.getTime() / 1000)),
    'webhook-signature': new Webhook(key).sign(id, date, body),
  };
}

test('workerd verifies a delivery signed by the standard library, under webhook-* and svix-* headers', async () => {
  const answer = await deliver(signed('evt_w1'));
  const seen = await answer.json();
  assert.equal(answer.status, 200, JSON.stringify(seen));
  assert.equal(seen.verified, 'cut.completed');
  assert.equal(seen.runtime, 'Cloudflare-Workers', 'the Workers runtime, not Node');
  const svix = Object.fromEntries(Object.entries(signed('evt_w2')).map(([k, v]) => [k.replace('webhook-', 'svix-'), v]));
  assert.equal((await (await deliver(svix)).json()).verified, 'cut.completed');
});

test('workerd refuses a tampered body, a foreign secret and a stale timestamp', async () => {
  const tampered = await deliver(signed('evt_w3'), body.replace('cut_1', 'cut_2'));
  assert.deepEqual([tampered.status, (await tampered.json()).refused], [400, 'WebhookVerificationError']);
  const foreign = `whsec_${Buffer.from('somebody else entirely, 24+ bytes').toString('base64')}`;
  const forged = await deliver(signed('evt_w4', new Date(), foreign));
  assert.deepEqual([forged.status, (await forged.json()).refused], [400, 'WebhookVerificationError']);
  const stale = await deliver(signed('evt_w5', new Date(Date.now() - 6 * 60_000)));
  const refusal = await stale.json();
  assert.deepEqual([stale.status, refusal.refused], [400, 'WebhookVerificationError']);
  assert.match(refusal.message, /timestamp/i);
});
