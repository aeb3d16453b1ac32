// Waiting for a resource to reach a state by polling it: 0.5 s at first, backing off to 5 s, or as
// the answer's `Retry-After` asks; bounded by a timeout, stopped by a signal.

import { RoughcutError } from './errors.js';
import { sleep } from './client.js';

const FIRST_POLL_MS = 500;
const LONGEST_POLL_MS = 5_000;

/**
 * Polls `read()` until `done(resource)` is true (resolves with it) or `failed(resource)` is
 * (rejects with a `RoughcutError` of the resource's `error_code`).
 */
export async function pollUntil(read, { done, failed, what, timeoutMs = 15 * 60_000, signal, onPoll }) {
  const deadline = Date.now() + timeoutMs;
  let wait = FIRST_POLL_MS;
  for (;;) {
    const resource = await read();
    onPoll?.(resource);
    if (done(resource)) return resource;
    if (failed(resource)) {
      throw new RoughcutError({
        status: 0,
        code: resource.error_code ?? 'failed',
        message: resource.error_message ?? `${what} ${resource.id} failed`,
      });
    }
    if (Date.now() + wait > deadline) {
      throw new RoughcutError({ status: 0, code: 'timeout', message: `${what} ${resource.id} is still ${resource.state} after ${timeoutMs} ms` });
    }
    await sleep(wait, signal);
    wait = Math.min(wait * 1.5, LONGEST_POLL_MS);
  }
}
