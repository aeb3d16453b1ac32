// The engine in a Web Worker, on the user's File (read in ranges, never copied whole): probe it,
// take a video's audio out (an MP4/MOV's AAC without re-encoding, anything else it decodes as
// 16-kHz speech), and analyse that audio (the loudness envelope and voice activity the waveform
// and the browser's planner use). The page asks with `{id, file}` and is answered
// `{id, info, proxy, analysis}` or `{id, error}`.
import init, { analyse, extractAudio, probe, speechAudio } from '/engine/roughcut_engine.js';

const ready = init();

/** `make(file)`, or null when the engine refuses the file (its errors carry a `code`). Anything
 * else, such as a trap that leaves the wasm instance unusable, ends this reading. */
function attempt(make, file) {
  try {
    return make(file);
  } catch (error) {
    if (error?.code) return null;
    throw error;
  }
}

self.onmessage = async ({ data: { id, file } }) => {
  try {
    await ready;
    // a container the engine does not read goes up whole, and the server probes it
    const info = attempt(probe, file);
    const movie = ['mp4', 'mov'].includes(info?.container);
    const video = info?.tracks.some((t) => t.kind === 'video') ?? false;
    const aac = info?.tracks.some((t) => t.kind === 'audio' && t.codec === 'aac') ?? false;
    // A video's audio proxy, so that the cut is made while the picture uploads: an MP4/MOV's AAC
    // track copied out as it is, else (WebM, Matroska, PCM in a MOV) its sound decoded into a
    // 16-kHz mono WAV, 32 kB a second. A recording the engine cannot decode goes up whole.
    let proxy = null;
    for (const make of video ? (movie && aac ? [extractAudio, speechAudio] : [speechAudio]) : []) {
      proxy = attempt(make, file);
      if (proxy) break;
    }
    // audio the engine does not decode is analysed by the server after the upload
    const analysis = attempt(analyse, proxy ?? file);
    const transfer = [proxy?.buffer, analysis?.levels.buffer, analysis?.voice.buffer].filter(Boolean);
    self.postMessage({ id, info, proxy, analysis }, transfer);
  } catch (error) {
    self.postMessage({ id, error: { message: error.message ?? String(error), code: error.code ?? null } });
    // not the engine's refusal: the page starts another worker for the next recording
    if (!error?.code) self.close();
  }
};
