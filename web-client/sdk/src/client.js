// The transport of every call: the key, JSON in and out, a timeout and a caller's `signal`, and
// retries of what is worth retrying (no answer, 408, 409 of an idempotency key in use, 429, 5xx),
// after the answer's `Retry-After` or an exponential backoff with jitter. Every POST carries an
// `Idempotency-Key`, the same across its retries, so a retried POST never runs twice.

import { RoughcutConnectionError, RoughcutError } from './errors.js';

const DEFAULT_BASE_URL = 'http://127.0.0.1:8787';
const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const MAX_BACKOFF_MS = 8_000;

export class Transport {
  constructor({ apiKey, baseUrl = DEFAULT_BASE_URL, maxRetries = 2, timeoutMs = 60_000, fetch: fetchFn } = {}) {
    if (!apiKey) throw new TypeError('roughcut: `apiKey` is required (an account key, sk_…)');
    this.apiKey = apiKey;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.maxRetries = maxRetries;
    this.timeoutMs = timeoutMs;
    this.fetch = fetchFn ?? globalThis.fetch.bind(globalThis);
  }

  /** The JSON answer of `method path`, or null for 204. */
  async json(method, path, options = {}) {
    const response = await this.send(method, path, options);
    if (response.status === 204) return null;
    return response.json();
  }

  /** The answer's text (exports, captions). */
  async text(method, path, options = {}) {
    return (await this.send(method, path, options)).text();
  }

  /**
   * The successful `Response` of `method path`, after retries; a `RoughcutError` for an error
   * answer, a `RoughcutConnectionError` when none came.
   */
  async send(method, path, options = {}) {
    const { query, headers = {}, signal, idempotencyKey, maxRetries = this.maxRetries } = options;
    const url = this.url(path, query);
    const key = method === 'POST' ? (idempotencyKey ?? crypto.randomUUID()) : undefined;
    for (let attempt = 0; ; attempt += 1) {
      const last = attempt >= maxRetries;
      let response;
      try {
        response = await this.once(method, url, { ...options, headers, key });
      } catch (error) {
        if (signal?.aborted || last) throw error;
        await sleep(backoffMs(attempt, null), signal);
        continue;
      }
      if (response.ok) return response;
      const error = RoughcutError.from(response, await response.text());
      const retried = RETRIED_STATUSES.has(response.status) || (response.status === 409 && error.retryAfter != null
        && key !== undefined && error.message.includes('Idempotency-Key'));
      if (!retried || last) throw error;
      await sleep(backoffMs(attempt, error.retryAfter), signal);
    }
  }

  url(path, query) {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    return url;
  }

  /** One request: `body` goes as JSON, `rawBody` (a Blob, bytes) as it is. */
  async once(method, url, { body, rawBody, headers, signal, key, timeoutMs = this.timeoutMs }) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signals = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const init = {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, ...headers },
      signal: signals,
    };
    if (key !== undefined) init.headers['idempotency-key'] = key;
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    } else if (rawBody !== undefined) {
      init.body = rawBody;
    }
    try {
      return await this.fetch(url, init);
    } catch (cause) {
      if (signal?.aborted) throw signal.reason ?? cause;
      const timedOut = timeout.aborted;
      const message = timedOut ? `roughcut: no answer within ${timeoutMs} ms` : `roughcut: ${cause?.message ?? cause}`;
      throw new RoughcutConnectionError(message, { cause, timedOut });
    }
  }
}

/** How long to wait before retry `attempt` (0-based): the API's `Retry-After`, else 0.5 s doubling, with jitter. */
export function backoffMs(attempt, retryAfterSeconds) {
  if (retryAfterSeconds != null) return Math.min(retryAfterSeconds * 1000, 60_000);
  const base = Math.min(500 * 2 ** attempt, MAX_BACKOFF_MS);
  return base * (0.75 + Math.random() * 0.5);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
