// The engine as the upload page runs it: in a module Web Worker, on the user's File.
import init, { extractAudio, renderAudio } from '/web-client/engine/roughcut_engine.js';

const ready = init();

self.onmessage = async ({ data: { job, file, spans, options } }) => {
  await ready;
  const started = performance.now();
  let bytes;
  if (job === 'extract') bytes = extractAudio(file).length;
  if (job === 'render') bytes = renderAudio(file, spans, options).bytes.length;
  self.postMessage({ seconds: (performance.now() - started) / 1000, bytes });
};
