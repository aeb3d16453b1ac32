// The SDK's errors: what the API answered (its envelope's code, message, fields and request id),
// or that no answer came.

/** An error answer of the API, in its envelope (API.md). */
export class RoughcutError extends Error {
  constructor({ status, code, message, fields = [], requestId = null, retryAfter = null }) {
    super(message);
    this.name = 'RoughcutError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
  }

  /** The error of a non-2xx `response` whose body was `text`. */
  static from(response, text) {
    let envelope = null;
    try {
      envelope = JSON.parse(text)?.error ?? null;
    } catch {
      // not the envelope (a proxy's page): described by its status below
    }
    return new RoughcutError({
      status: response.status,
      code: envelope?.code ?? `http_${response.status}`,
      message: envelope?.message ?? `The API answered ${response.status} ${response.statusText}`.trim(),
      fields: envelope?.fields ?? [],
      requestId: envelope?.request_id ?? response.headers.get('request-id'),
      retryAfter: retryAfterSeconds(response.headers.get('retry-after')),
    });
  }
}

/** No answer came: the network failed, or the call timed out. */
export class RoughcutConnectionError extends Error {
  constructor(message, { cause, timedOut = false } = {}) {
    super(message, { cause });
    this.name = 'RoughcutConnectionError';
    this.timedOut = timedOut;
  }
}

/** A `Retry-After` value in seconds (a number or an HTTP date), or null. */
export function retryAfterSeconds(value) {
  if (value == null || value === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}
