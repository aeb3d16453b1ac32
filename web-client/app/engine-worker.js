// The engine in a Web Worker, on the user's File (read in ranges, never copied whole): probe it,
// take its audio track out without re-encoding (MP4/MOV with AAC), and analyse that audio (the
// loudness envelope and voice activity the waveform and the browser's planner use). The page asks
// with `{id, file}` and is answered `{id, info, proxy, analysis}` or `{id, error}`.
import init, { analyse, extractAudio, probe } from '/engine/roughcut_engine.js';

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
    // an MP4/MOV video's AAC track is copied out as the audio proxy (the engine remuxes only
    // those); any other file (Matroska, WebM) is its own audio
    let proxy = null;
    try {
      if (movie && video && aac) proxy = extractAudio(file);
    } catch {
      // samples the engine cannot copy out: the file goes up whole, as for any other container
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
