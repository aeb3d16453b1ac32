// webhooks.verify against signatures made by the published Standard Webhooks library (npm
// `standardwebhooks`), and sign() checked by that library.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Webhook } from 'standardwebhooks';

import { webhooks } from '../src/index.js';

const secret = `whsec_${Buffer.from('a secret of at least twenty-four bytes').toString('base64')}`;
const body = JSON.stringify({ type: 'render.completed', data: { entity_id: 'rnd_1', asset_id: 'ast_1' } });

function signedByTheLibrary(key, id, date) {
  const signature = new Webhook(key).sign(id, date, body);
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(date.getTime() / 1000)), 'webhook-signature': signature };
}

test('a delivery signed by the standard library verifies, with webhook-* or svix-* headers', async () => {
  const headers = signedByTheLibrary(secret, 'evt_1', new Date());
  assert.deepEqual(await webhooks.verify(body, headers, secret), JSON.parse(body));
  const svix = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replace('webhook-', 'svix-'), v]));
  assert.deepEqual(await webhooks.verify(body, new Headers(svix), secret), JSON.parse(body));
});

test('any of several signatures verifies (a rotated secret overlapping its successor)', async () => {
  const old = `whsec_${Buffer.from('the previous secret, also 24+ bytes').toString('base64')}`;
  const now = new Date();
  const both = signedByTheLibrary(secret, 'evt_2', now);
  both['webhook-signature'] = `${new Webhook(old).sign('evt_2', now, body)} ${both['webhook-signature']}`;
  assert.ok(await webhooks.verify(body, both, old));
  assert.ok(await webhooks.verify(body, both, secret));
});

test('a changed body, another secret or a stale timestamp is refused', async () => {
  const headers = signedByTheLibrary(secret, 'evt_3', new Date());
  await assert.rejects(webhooks.verify(body.replace('rnd_1', 'rnd_2'), headers, secret), { name: 'WebhookVerificationError' });
  const other = `whsec_${Buffer.from('somebody else entirely, 24+ bytes').toString('base64')}`;
  await assert.rejects(webhooks.verify(body, headers, other), /no signature matches/);
  const stale = signedByTheLibrary(secret, 'evt_4', new Date(Date.now() - 6 * 60_000));
  await assert.rejects(webhooks.verify(body, stale, secret), /tolerance/);
  await assert.rejects(webhooks.verify(body, {}, secret), /missing/);
});

test('sign() makes what the standard library verifies', async () => {
  const headers = await webhooks.sign(body, secret, { id: 'evt_5' });
  assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
});
