// The engine in a Web Worker, on the user's File (read in ranges, never copied whole): probe it,
// take a video's audio out (an MP4/MOV's AAC without re-encoding, anything else it decodes as
// 16-kHz speech), and analyse that audio (the loudness envelope and voice activity the waveform
// and the browser's planner use). The page asks with `{id, file}` and is answered
// `{id, info, proxy, analysis}` or `{id, error}`.
import init, { analyse, extractAudio, probe, speechAudio } from '/engine/roughcut_engine.js';

const ready = init();

self.onmessage = async ({ data: { id, file } }) => {
  try {
    await ready;
    let info = null;
    try {
      info = probe(file);
    } catch {
      // a container the engine does not read: the file goes up whole, the server probes it
    }
    const movie = ['mp4', 'mov'].includes(info?.container);
    const video = info?.tracks.some((t) => t.kind === 'video') ?? false;
    const aac = info?.tracks.some((t) => t.kind === 'audio' && t.codec === 'aac') ?? false;
    // A video's audio proxy, so that the cut is made while the picture uploads: an MP4/MOV's AAC
    // track copied out as it is, else (WebM, Matroska, PCM in a MOV) its sound decoded into a
    // 16-kHz mono WAV, 32 kB a second. A recording the engine cannot decode goes up whole.
    let proxy = null;
    for (const make of video ? (movie && aac ? [extractAudio, speechAudio] : [speechAudio]) : []) {
      try {
        proxy = make(file);
        break;
      } catch {
        // the next way, or none
      }
    }
    let analysis = null;
    try {
      analysis = analyse(proxy ?? file);
    } catch {
      // audio the engine does not decode: the server analyses it after the upload
    }
    const transfer = [proxy?.buffer, analysis?.levels.buffer, analysis?.voice.buffer].filter(Boolean);
    self.postMessage({ id, info, proxy, analysis }, transfer);
  } catch (error) {
    self.postMessage({ id, error: { message: error.message ?? String(error), code: error.code ?? null } });
  }
};
