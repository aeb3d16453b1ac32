// A pipeline's Server-Sent Events read over fetch (so that the key goes in a header, which
// `EventSource` cannot send), reconnecting with `Last-Event-ID` after a dropped connection until
// the pipeline's end: every event once, in order.

import { RoughcutConnectionError } from './errors.js';
import { sleep } from './client.js';
import { chunksOf } from './streams.js';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const RECONNECTS = 5;

/** The events of `path` after `lastEventId`: `{id, event, data}`, `data` parsed. */
export async function* serverSentEvents(transport, path, { lastEventId, signal } = {}) {
  let last = lastEventId ?? null;
  let reconnectMs = 1_000;
  for (let drops = 0; drops <= RECONNECTS; ) {
    let response;
    try {
      const headers = { accept: 'text/event-stream', ...(last ? { 'last-event-id': String(last) } : {}) };
      // no timeout: a stream is as long as its pipeline
      response = await transport.send('GET', path, { headers, signal, timeoutMs: 2 ** 31 - 1 });
    } catch (error) {
      if (!(error instanceof RoughcutConnectionError) || signal?.aborted) throw error;
      drops += 1;
      await sleep(reconnectMs, signal);
      continue;
    }
    if (response.status === 204) return;
    let ended = false;
    try {
      for await (const frame of frames(response.body)) {
        if (frame.retry) reconnectMs = frame.retry;
        if (!frame.event) continue;
        if (frame.id) last = frame.id;
        const data = JSON.parse(frame.data);
        yield { id: frame.id, event: frame.event, data };
        drops = 0;
        if (frame.event === 'pipeline.state' && TERMINAL.has(data.state)) ended = true;
      }
    } catch (error) {
      if (signal?.aborted) throw error;
    }
    if (ended) return;
    drops += 1;
    await sleep(reconnectMs, signal);
  }
  throw new RoughcutConnectionError(`roughcut: the event stream of ${path} dropped ${RECONNECTS} times in a row`);
}

/** SSE frames (`{id, event, data, retry}`) of a byte stream. */
async function* frames(body) {
  const decoder = new TextDecoder();
  let buffer = '';
  let frame = { data: [] };
  for await (const chunk of chunksOf(body)) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (frame.data.length || frame.event || frame.retry) yield { ...frame, data: frame.data.join("\n") };
        frame = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') frame.data.push(value);
      else if (field === 'event') frame.event = value;
      else if (field === 'id') frame.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) frame.retry = Number(value);
    }
  }
}

