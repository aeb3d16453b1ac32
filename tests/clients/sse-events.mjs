// Reads a pipeline's Server-Sent Events with the `eventsource` package (a WHATWG EventSource, so
// it reconnects as browsers do, sending Last-Event-ID). Prints one JSON line per event
// ({id, event, state}) on stdout and one per (re)connection on stderr ({open}); exits 0 after the
// pipeline's end, 2 when `seconds` pass first.
// Usage: node sse-events.mjs URL API_KEY SECONDS
import { EventSource } from 'eventsource';

const [url, key, seconds] = process.argv.slice(2);
const source = new EventSource(url, {
  fetch: (input, init) =>
    fetch(input, { ...init, headers: { ...init.headers, authorization: `Bearer ${key}` } }),
});
source.addEventListener('open', () => console.error(JSON.stringify({ open: true })));
source.addEventListener('error', (event) => console.error(JSON.stringify({ error: String(event.message ?? '') })));
for (const type of ['pipeline.state', 'step.state', 'step.progress']) {
  source.addEventListener(type, (event) => {
    const data = JSON.parse(event.data);
    console.log(JSON.stringify({ id: event.lastEventId, event: type, state: data.state }));
    if (type === 'pipeline.state' && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(data.state)) {
      source.close();
      process.exit(0);
    }
  });
}
setTimeout(() => {
  console.error(JSON.stringify({ timeout: Number(seconds) }));
  process.exit(2);
}, Number(seconds) * 1000);
