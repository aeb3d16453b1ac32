// Standard Webhooks signatures on WebCrypto (Node, browsers, Workers, Deno): `verify` checks a
// delivery as the API signs it (`webhook-*` or `svix-*` headers, any of several `v1,` signatures,
// a 5-minute tolerance on the timestamp) and returns its parsed body; `sign` makes one, for tests.

const TOLERANCE_SECONDS = 5 * 60;
const SECRET_PREFIX = 'whsec_';

export class WebhookVerificationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

function header(headers, name) {
  if (typeof headers?.get === 'function') return headers.get(`webhook-${name}`) ?? headers.get(`svix-${name}`);
  const lower = Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return lower[`webhook-${name}`] ?? lower[`svix-${name}`] ?? null;
}

function keyBytes(secret) {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
}

async function signature(secret, id, timestamp, body) {
  const key = await crypto.subtle.importKey('raw', keyBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}

/** Equal strings, compared in time that does not depend on where they differ. */
function sameText(a, b) {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/**
 * The delivery's event (its body parsed) when `rawBody` (the exact bytes received, as text) is
 * signed with `secret`; throws `WebhookVerificationError` otherwise.
 */
export async function verify(rawBody, headers, secret, { now = Date.now() } = {}) {
  const body = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);
  const id = header(headers, 'id');
  const timestamp = header(headers, 'timestamp');
  const signatures = header(headers, 'signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook-id, -timestamp or -signature');
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds) || Math.abs(now / 1000 - seconds) > TOLERANCE_SECONDS) {
    throw new WebhookVerificationError('the timestamp is outside the 5-minute tolerance');
  }
  let expected;
  try {
    expected = await signature(secret, id, timestamp, body);
  } catch {
    throw new WebhookVerificationError('the secret is not a webhook signing secret (whsec_…)');
  }
  const given = signatures.split(' ').filter((s) => s.startsWith('v1,')).map((s) => s.slice(3));
  if (!given.some((candidate) => sameText(candidate, expected))) {
    throw new WebhookVerificationError('no signature matches');
  }
  return JSON.parse(body);
}

/** The headers the API would send with `body` (for tests of receivers). */
export async function sign(body, secret, { id = `evt_${crypto.randomUUID().replaceAll('-', '')}`, timestamp = Math.floor(Date.now() / 1000) } = {}) {
  const signed = await signature(secret, id, String(timestamp), body);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signed}` };
}
