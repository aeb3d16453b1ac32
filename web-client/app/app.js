// The roughcut page: sign in with an API key (or a link carrying it in its fragment), pick a
// project and a recording; the engine takes the audio out in a Web Worker and that small proxy
// uploads first, so the cut is planned and shown while the video still uploads. The controls
// re-plan in the browser with the engine's Planner (the server's planner, compiled to wasm) and
// "Save cut" makes it the server's. Exports and renders come from the API. Milestones are
// `performance.mark`s (`roughcut:…`) for tests and benchmarks.
import { Roughcut, RoughcutError } from '/sdk/index.js';
import init, { Planner } from '/engine/roughcut_engine.js';

import { drawWaveform, showRemoved, showTranscript } from './cut-view.js';
import { forgetHandle, handleOf, handlesSupported, keepHandle, pickRecording, reopen } from './file-handles.js';
import { CutPlayer } from './player.js';
import { UploadBar } from './upload-bar.js';

const KEY_ITEM = 'roughcut.apiKey';
const PROJECT_ITEM = 'roughcut.projectId';
/** The upload under way, so that a reload resumes it: its asset, its file and how far it got. */
const PENDING_ITEM = 'roughcut.pendingUpload';
/** The last cut shown, so that a reload shows it again: its id and its recording's name. */
const LAST_CUT_ITEM = 'roughcut.lastCut';
const $ = (id) => document.getElementById(id);
const engine = init();
const startWorker = () => new Worker('/app/engine-worker.js', { type: 'module' });
let worker = startWorker();
const audioBar = new UploadBar($('audio-progress'), $('audio-status'));
const videoBar = new UploadBar($('video-progress'), $('video-status'));

/** What the page knows of one recording: nothing, before one is chosen. */
const noRecording = () => ({
  file: null,
  /** The recording's name (a restored cut has no file until it is chosen again). */
  fileName: null,
  asset: null,
  prepared: null,
  cut: null,
  words: [],
  planner: null,
  plan: null,
  player: null,
  video: null,
});

/** Everything on the page: the client, and the recording. */
const state = {
  rc: null,
  /** Counts the recordings chosen: work begun for an earlier one leaves the page alone. */
  generation: 0,
  ...noRecording(),
};

function mark(name) {
  performance.mark(`roughcut:${name}`);
}

function showError(error) {
  let text = error?.message ?? String(error);
  if (error instanceof RoughcutError) {
    const fields = error.fields.map((f) => `${f.field}: ${f.message}`).join('; ');
    if (fields) text += ` (${fields})`;
    if (error.requestId) text += ` Request id: ${error.requestId}.`;
  }
  $('error').textContent = text;
}

function clearError() {
  $('error').textContent = '';
}

/** Runs `action`, showing what went wrong instead of throwing. */
async function guarded(action) {
  try {
    clearError();
    return await action();
  } catch (error) {
    if (error?.name !== 'AbortError') showError(error);
    return undefined;
  }
}

function setStatus(text) {
  $('status').textContent = text;
}

// --- signing in -------------------------------------------------------------------------------

async function signIn(apiKey) {
  const rc = new Roughcut({ apiKey, baseUrl: location.origin });
  const balance = await rc.credits.balance();
  localStorage.setItem(KEY_ITEM, apiKey);
  state.rc = rc;
  $('balance').textContent = `${balance.available} credits available`;
  $('sign-in').hidden = true;
  $('sign-out').hidden = false;
  $('workspace').hidden = false;
  await loadProjects();
  await offerResume();
  await restoreLastCut();
}

function signOut() {
  localStorage.removeItem(KEY_ITEM);
  location.replace(location.pathname);
}

async function loadProjects(selected = localStorage.getItem(PROJECT_ITEM)) {
  const select = $('project');
  const options = [];
  for await (const project of state.rc.projects.list({ limit: 100 })) {
    options.push(new Option(project.name, project.id, false, project.id === selected));
  }
  select.replaceChildren(...options);
  if (select.value) localStorage.setItem(PROJECT_ITEM, select.value);
}

async function newProject() {
  const name = $('project-name').value.trim() || 'My recordings';
  const project = await state.rc.projects.create({ name });
  localStorage.setItem(PROJECT_ITEM, project.id);
  await loadProjects(project.id);
}

// --- an upload that outlives the page ---------------------------------------------------------

function rememberUpload(proxied) {
  const { name, size, lastModified } = state.file;
  const record = { asset: { id: state.asset.id, upload_url: state.asset.upload_url }, file: { name, size, lastModified }, proxied };
  localStorage.setItem(PENDING_ITEM, JSON.stringify(record));
}

function forgetUpload() {
  const pending = pendingUpload();
  if (pending) forgetHandle(pending.asset.id).catch(() => {});
  localStorage.removeItem(PENDING_ITEM);
  $('resume-hint').hidden = true;
  $('resume-upload').hidden = true;
}

function storedItem(name) {
  try {
    return JSON.parse(localStorage.getItem(name));
  } catch {
    return null;
  }
}

const pendingUpload = () => storedItem(PENDING_ITEM);

/** After a reload: the upload still waiting for bytes is offered again, for the same file. */
async function offerResume() {
  const pending = pendingUpload();
  if (!pending) return;
  const asset = await state.rc.assets.get(pending.asset.id).catch(() => null);
  if (asset?.state !== 'pending_upload') {
    forgetUpload();
    return;
  }
  // Chromium reopens the file from its stored handle; elsewhere the user chooses it again
  const handle = handlesSupported() ? await handleOf(pending.asset.id).catch(() => null) : null;
  askForFile(pending, handle ? 'Resume it where it stopped.' : 'Choose the same file to resume it.');
  $('resume-upload').hidden = !handle;
}

function askForFile(pending, what) {
  $('resume-hint').textContent = `“${pending.file.name}” was still uploading. ${what}`;
  $('resume-hint').hidden = false;
}

/** "Resume upload": the file reopened from its handle (a click, as the permission asks for one). */
async function resumeFromHandle() {
  const pending = pendingUpload();
  if (!pending) return;
  const handle = await handleOf(pending.asset.id);
  const file = handle ? await reopen(handle) : null;
  if (!file) {
    $('resume-upload').hidden = true;
    askForFile(pending, 'Reading it was not allowed: choose the same file to resume it.');
    return;
  }
  await start(file, handle);
}

const sameFile = (file, known) =>
  file.name === known.name && file.size === known.size && file.lastModified === known.lastModified;

// --- a recording: extraction, the two uploads, the first cut ---------------------------------

/** The engine's look at `file` in the Web Worker: `{info, proxy, analysis}`. */
function prepare(file) {
  return new Promise((resolve, reject) => {
    const id = crypto.randomUUID();
    const listener = ({ data }) => {
      if (data.id !== id) return;
      worker.removeEventListener('message', listener);
      // a failure that is no refusal of the engine's (a trap) ended that worker: a new one reads next
      if (data.error && !data.error.code) worker = startWorker();
      if (data.error) reject(Object.assign(new Error(`Reading the recording: ${data.error.message}`), { code: data.error.code }));
      else resolve(data);
    };
    worker.addEventListener('message', listener);
    worker.postMessage({ id, file });
  });
}

/** A recording chosen (with its file handle, where the browser gives one): its cut, its uploads. */
async function start(file, handle = null) {
  const projectId = $('project').value;
  if (!projectId) throw new Error('Choose or create a project first.');
  const pending = pendingUpload();
  const resuming = pending && sameFile(file, pending.file) ? pending : null;
  // the milestones are this recording's
  for (const entry of performance.getEntriesByType('mark')) {
    if (entry.name.startsWith('roughcut:')) performance.clearMarks(entry.name);
  }
  mark('picked');
  state.player?.stop();
  state.planner?.free();
  state.generation += 1;
  Object.assign(state, noRecording(), { file, fileName: file.name });
  $('editor').hidden = true;
  audioBar.reset();
  videoBar.reset();
  setStatus(`Reading ${file.name}…`);
  const prepared = await prepare(file);
  state.prepared = prepared;
  mark('extracted');
  const asset = resuming
    ? { ...(await state.rc.assets.get(resuming.asset.id)), upload_url: resuming.asset.upload_url }
    : await state.rc.assets.create({
        project_id: projectId,
        size_bytes: file.size,
        filename: file.name,
        content_type: file.type || undefined,
      });
  state.asset = asset;
  rememberUpload(resuming?.proxied ?? false);
  // without it, a reload asks for the file again
  if (handle) await keepHandle(asset.id, handle).catch(() => {});
  $('resume-hint').hidden = true;
  $('resume-upload').hidden = true;
  if (resuming?.proxied) {
    audioBar.done();
    mark('audio-uploaded');
    setStatus('Resuming the video upload.');
    startVideo();
  } else if (prepared.proxy) {
    setStatus('Uploading the audio first, then the video.');
    await state.rc.assets.uploadAudioProxy(asset.id, prepared.proxy, {
      chunkBytes: 1024 * 1024,
      onProgress: (p) => audioBar.show(p),
    });
    audioBar.done();
    mark('audio-uploaded');
    rememberUpload(true);
    startVideo();
  } else {
    // audio alone (or a video the engine cannot decode): the file is its own audio
    videoBar.notNeeded();
    await uploadWhole(audioBar);
    forgetUpload();
    mark('audio-uploaded');
  }
  setStatus('Audio in: transcribing and planning the cut…');
  await state.rc.assets.waitUntil(asset.id, 'cuttable', { timeoutMs: 30 * 60_000 });
  mark('cuttable');
  await makeCut({});
  mark('cut-shown');
}

/** The video's bytes over TUS, resumable; pausing aborts it and resuming goes on from HEAD. */
function startVideo() {
  const controller = new AbortController();
  const video = { controller, paused: false, done: false };
  state.video = video;
  $('pause').disabled = false;
  $('cancel').disabled = false;
  $('pause').textContent = 'Pause';
  const upload = uploadWhole(videoBar, controller.signal).then(
    () => {
      forgetUpload();
      mark('video-uploaded');
      video.done = true;
      $('pause').disabled = true;
      $('cancel').disabled = true;
      if (state.cut) setStatus('Video uploaded.');
    },
    (error) => {
      if (controller.signal.aborted) return;
      showError(error);
    },
  );
  video.upload = upload;
}

async function uploadWhole(bar, signal) {
  const asset = await state.rc.assets.upload(state.file, {
    resume: state.asset,
    onProgress: (p) => bar.show(p),
    signal,
  });
  bar.done();
  return asset;
}

function pauseOrResume() {
  const video = state.video;
  if (!video) return;
  if (video.paused) {
    startVideo();
    return;
  }
  video.paused = true;
  video.controller.abort(new DOMException('Paused', 'AbortError'));
  $('pause').textContent = 'Resume';
  videoBar.paused();
}

async function cancel() {
  state.video?.controller.abort(new DOMException('Cancelled', 'AbortError'));
  state.player?.stop();
  if (state.asset) await state.rc.assets.delete(state.asset.id);
  forgetUpload();
  // the asset's cuts went with it
  if (state.cut) localStorage.removeItem(LAST_CUT_ITEM);
  state.cut = null;
  state.asset = null;
  state.video = null;
  $('pause').disabled = true;
  $('cancel').disabled = true;
  $('editor').hidden = true;
  audioBar.reset();
  videoBar.reset();
  setStatus('Cancelled: the upload and its asset are gone.');
}

// --- the cut: the server's, then re-planned in the browser as the controls move --------------

function chosenOptions() {
  return {
    remove_silence: $('remove-silence').checked,
    remove_fillers: $('remove-fillers').checked,
    remove_restarts: $('remove-restarts').checked,
    min_silence_seconds: Number($('min-silence').value),
    margin_seconds: Number($('margin').value),
  };
}

async function makeCut(options) {
  const script = $('script').value.trim();
  const created = await state.rc.cuts.create({ asset_id: state.asset.id, options, ...(script ? { script } : {}) });
  await showCut(await state.rc.cuts.wait(created.id), script);
  setStatus(state.video && !state.video.paused && !state.video.done ? 'Cut ready; the video is still uploading.' : 'Cut ready.');
}

/**
 * A completed cut on the page, remembered for the next visit. With the recording at hand (its
 * analysis) the controls re-plan it in the browser; a cut restored after a reload has only the
 * server's words, so re-planning and playing wait until the recording is chosen again.
 */
async function showCut(cut, script) {
  const { generation, prepared, asset } = state;
  const transcript = await state.rc.cuts.transcript(cut.id).catch((error) => {
    // planned without words: the audio alone decided
    if (error instanceof RoughcutError && error.code === 'unsupported_format') return { words: [] };
    throw error;
  });
  await engine;
  // a recording chosen meanwhile has the page
  if (generation !== state.generation) return;
  state.cut = cut;
  state.words = transcript.words;
  state.planner?.free();
  state.planner = prepared
    ? new Planner({
        durationSeconds: Number(cut.source_duration_seconds),
        analysis: prepared.analysis ?? undefined,
        transcript: transcript.words.length ? { words: transcript.words } : undefined,
        script: script || undefined,
        language: asset.language ?? undefined,
      })
    : null;
  $('what-to-remove').disabled = !state.planner;
  $('play-cut').disabled = !state.planner;
  showPlan(cut);
  $('editor').hidden = false;
  localStorage.setItem(LAST_CUT_ITEM, JSON.stringify({ cutId: cut.id, fileName: state.fileName }));
}

/** After a reload: the last cut, as the server keeps it, unless a recording is already on the page. */
async function restoreLastCut() {
  const last = storedItem(LAST_CUT_ITEM);
  const generation = state.generation;
  if (!last?.cutId || state.cut) return;
  const cut = await state.rc.cuts.get(last.cutId).catch((error) => {
    if (error instanceof RoughcutError && error.status === 404) return null;
    throw error;
  });
  if (cut?.state !== 'completed') {
    localStorage.removeItem(LAST_CUT_ITEM);
    return;
  }
  const asset = await state.rc.assets.get(cut.asset_id);
  // a recording chosen meanwhile has the page
  if (generation !== state.generation) return;
  Object.assign(state, { asset, fileName: last.fileName, prepared: null });
  await showCut(cut, '');
  if (generation !== state.generation) return;
  setStatus(
    `Your last cut of “${last.fileName}”: export or render it here. Hearing and changing it need the recording ` +
      'on this page, and choosing it again uploads it anew.',
  );
}

/** A plan (the server's cut, or the browser's re-plan) on the page. */
function showPlan(plan) {
  state.plan = plan;
  const duration = Number(plan.source_duration_seconds);
  drawWaveform($('waveform'), state.prepared?.analysis, duration, plan.removed);
  showTranscript($('transcript'), state.words, plan.removed);
  showRemoved($('removed'), plan.removed, (removal) => guarded(() => hearAround(removal)));
  const kept = Number(plan.kept_duration_seconds);
  $('summary').textContent = `Keeps ${kept.toFixed(1)} s of ${duration.toFixed(1)} s; ${plan.removed.length} removals.`;
}

function replan() {
  if (!state.planner) return;
  const started = performance.now();
  const plan = state.planner.plan(chosenOptions());
  showPlan(plan);
  performance.measure('roughcut:replan', { start: started, end: performance.now() });
}

/** Two seconds around a removal, from the recording on this page. */
async function hearAround(removal) {
  if (!state.prepared && !state.file) {
    setStatus('Hearing a removal needs the recording on this page: choose it again.');
    return;
  }
  await player().playAround((removal.start + removal.end) / 2);
}

function player() {
  state.player ??= new CutPlayer(state.prepared?.proxy ?? state.file);
  state.player.onEnded = () => setPlayButton(false);
  return state.player;
}

function setPlayButton(playing) {
  $('play-cut').textContent = playing ? 'Stop' : 'Play cut';
  $('play-cut').dataset.state = playing ? 'playing' : 'stopped';
}

async function playCut() {
  const p = player();
  if (p.isPlaying) {
    p.stop();
    setPlayButton(false);
    return;
  }
  await p.play(state.plan.segments);
  setPlayButton(true);
}

// --- taking it away ---------------------------------------------------------------------------

const EXTENSIONS = { otio: 'otio', fcpxml: 'fcpxml', xmeml: 'xml', edl: 'edl', srt: 'srt', vtt: 'vtt' };

function stem() {
  return (state.fileName ?? 'recording').replace(/\.[^.]+$/, '');
}

async function exportCut() {
  const format = $('export-format').value;
  const text = ['srt', 'vtt'].includes(format)
    ? await state.rc.cuts.subtitles(state.cut.id, format)
    : await state.rc.cuts.export(state.cut.id, format);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  link.download = `${stem()}.rough-cut.${EXTENSIONS[format]}`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

async function render() {
  const format = $('render-format').value;
  const resolution = $('resolution').value;
  const output = { format, ...(resolution && ['mp4', 'mov'].includes(format) ? { resolution } : {}) };
  const bar = $('render-progress');
  const link = $('download-render');
  link.hidden = true;
  bar.hidden = false;
  bar.value = 0;
  const created = await state.rc.renders.create({ asset_id: state.asset.id, cut_id: state.cut.id, output });
  await state.rc.renders.wait(created.id, { onProgress: (progress) => (bar.value = Math.round(progress * 100)) });
  // the signed download URL is on a fresh GET
  const done = await state.rc.renders.get(created.id);
  bar.value = 100;
  link.href = done.download_url;
  link.download = `${stem()}.rough-cut.${format}`;
  link.hidden = false;
  mark('rendered');
}

// --- wiring -----------------------------------------------------------------------------------

function wire() {
  $('sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    guarded(() => signIn($('api-key').value.trim()));
  });
  $('sign-out').addEventListener('click', signOut);
  $('project').addEventListener('change', () => localStorage.setItem(PROJECT_ITEM, $('project').value));
  $('new-project').addEventListener('click', () => guarded(newProject));
  // Chromium: the browser's own picker, which hands out a handle to keep for a reload
  $('recording').addEventListener('click', (event) => {
    if (!handlesSupported()) return;
    event.preventDefault();
    guarded(async () => {
      const picked = await pickRecording();
      if (picked) await start(picked.file, picked.handle);
    });
  });
  $('resume-upload').addEventListener('click', () => guarded(resumeFromHandle));
  $('recording').addEventListener('change', () => {
    const file = $('recording').files[0];
    // emptied, so that choosing the same file again (to resume it) is a change too
    $('recording').value = '';
    if (file) guarded(() => start(file));
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer.files[0];
    // asked for during the event, while the dropped item is still readable
    const handle = event.dataTransfer.items?.[0]?.getAsFileSystemHandle?.().catch(() => null);
    if (file) guarded(async () => start(file, (await handle)?.kind === 'file' ? await handle : null));
  });
  $('pause').addEventListener('click', pauseOrResume);
  $('cancel').addEventListener('click', () => guarded(cancel));
  for (const id of ['remove-silence', 'remove-fillers', 'remove-restarts', 'min-silence', 'margin']) {
    $(id).addEventListener('input', () => {
      const value = $(`${id}-value`);
      if (value) value.textContent = $(id).value;
      guarded(replan);
    });
  }
  $('save-cut').addEventListener('click', () => guarded(() => makeCut(chosenOptions())));
  $('play-cut').addEventListener('click', () => guarded(playCut));
  $('export').addEventListener('click', () => guarded(exportCut));
  $('render').addEventListener('click', () => guarded(render));
}

/** The key of a sign-in link, which carries it in its fragment (never sent to a server), taken out of the address. */
function keyFromLink() {
  const key = new URLSearchParams(location.hash.slice(1)).get('key');
  if (key) history.replaceState(null, '', location.pathname + location.search);
  return key;
}

async function main() {
  wire();
  // a link opened in a tab already on the page changes only the fragment
  window.addEventListener('hashchange', () => {
    const key = keyFromLink();
    if (key) guarded(() => signIn(key));
  });
  const apiKey = keyFromLink() ?? localStorage.getItem(KEY_ITEM);
  if (apiKey) await guarded(() => signIn(apiKey));
  if (!state.rc) $('sign-in').hidden = false;
  document.body.dataset.ready = 'true';
}

main();
