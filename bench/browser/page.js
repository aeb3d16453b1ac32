// Times the engine (in a worker, reading the File in ranges) and ffmpeg.wasm (which must copy the
// whole File into its memory) on the same File; the driver (browser.mjs) calls window.bench.
import { FFmpeg } from '/node_modules/@ffmpeg/ffmpeg/dist/esm/index.js';

const worker = new Worker('./engine-worker.js', { type: 'module' });
const inWorker = (job, file, spans, options) =>
  new Promise((resolve) => {
    worker.onmessage = ({ data }) => resolve(data);
    worker.postMessage({ job, file, spans, options });
  });

let ffmpeg;
async function ffmpegRun(file, args, output, list) {
  if (!ffmpeg) {
    ffmpeg = new FFmpeg();
    await ffmpeg.load({
      coreURL: '/node_modules/@ffmpeg/core/dist/esm/ffmpeg-core.js',
      wasmURL: '/node_modules/@ffmpeg/core/dist/esm/ffmpeg-core.wasm',
    });
  }
  const started = performance.now();
  const name = 'input' + file.name.slice(file.name.lastIndexOf('.'));
  await ffmpeg.writeFile(name, new Uint8Array(await file.arrayBuffer()));
  if (list) {
    // The concat demuxer's list of kept spans of the input: ffmpeg's own packet-copy cut.
    await ffmpeg.writeFile('spans.txt', list.map((s) => `file '${name}'\ninpoint ${s.startMs / 1000}\noutpoint ${s.endMs / 1000}\n`).join(''));
    await ffmpeg.exec(['-f', 'concat', '-safe', '0', '-i', 'spans.txt', ...args, output]);
  } else {
    await ffmpeg.exec(['-i', name, ...args, output]);
  }
  const bytes = (await ffmpeg.readFile(output)).length;
  await ffmpeg.deleteFile(name);
  await ffmpeg.deleteFile(output);
  return { seconds: (performance.now() - started) / 1000, bytes };
}

window.bench = async (job, spans) => {
  const file = document.getElementById('media').files[0];
  const select = () => spans.map((s) => `between(t,${s.startMs / 1000},${s.endMs / 1000})`).join('+');
  switch (job) {
    case 'engine-extract': return inWorker('extract', file);
    case 'ffmpeg-extract': return ffmpegRun(file, ['-vn', '-c:a', 'copy'], 'out.m4a');
    case 'engine-render-m4a': return inWorker('render', file, spans, { format: 'm4a' });
    case 'ffmpeg-render-m4a': return ffmpegRun(file, ['-c', 'copy'], 'out.m4a', spans);
    case 'engine-render-mp3': return inWorker('render', file, spans, { format: 'mp3', bitrateKbps: 192 });
    case 'ffmpeg-render-mp3': return ffmpegRun(file, ['-af', `aselect='${select()}',asetpts=N/SR/TB`, '-c:a', 'libmp3lame', '-b:a', '192k'], 'out.mp3');
    default: throw new Error(`unknown job ${job}`);
  }
};
window.benchReady = true;
