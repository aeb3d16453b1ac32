// The app's interactivity in Debian's headless Chromium (`make bench`; needs the engine package,
// scripts/build-engine-js.sh): on a generated 60-minute talk (~9,000 words, a 10-ms envelope of
// 360,000 levels, a voice mask), the page's re-plan when a control moves (its kept `Planner`,
// `plan(options)`) against building the planner anew for each change, and its waveform
// (`drawWaveform`, one bar per pixel column) against drawing every hop as a path, each the median
// of 15 runs in the same page. Targets: re-plan under 50 ms, waveform under 200 ms.
import { openPage } from '../../web-client/test/chromium.mjs';

const { page, close } = await openPage('web-client/test/blank.html');
try {
  const result = await page.evaluate(async () => {
    const { default: init, Planner } = await import('/web-client/engine/roughcut_engine.js');
    const { drawWaveform } = await import('/web-client/app/cut-view.js');
    await init();
    const RUNS = 15;
    const median = (f) => {
      const times = [];
      for (let i = 0; i < RUNS; i += 1) {
        const started = performance.now();
        f(i);
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[RUNS >> 1];
    };
    // an hour of talk: words of 240 ms, 80 ms apart, a pause every sentence, fillers and retakes
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const vocabulary = Array.from({ length: 600 }, (_, i) => `w${i.toString(36)}`);
    const words = [];
    let t = 1.0;
    while (t < 3590) {
      const sentence = Array.from({ length: 4 + Math.floor(random() * 10) }, () => vocabulary[Math.floor(random() * 600)]);
      const say = (text) => {
        words.push({ text, start: Number(t.toFixed(3)), end: Number((t + 0.24).toFixed(3)) });
        t += 0.32;
      };
      if (random() < 0.2) {
        sentence.slice(0, 3).forEach(say);
        t += 0.5;
      }
      sentence.forEach((w, i) => {
        if (i === 2 && random() < 0.15) say('um');
        say(w);
      });
      t += random() < 0.25 ? 1.5 + random() * 2 : 0.4;
    }
    const duration = 3600;
    const hops = duration * 100;
    const levels = new Int16Array(hops).fill(-7000);
    const voice = new Uint8Array(hops);
    for (const w of words) {
      for (let h = Math.floor(w.start * 100); h < Math.ceil(w.end * 100); h += 1) {
        levels[h] = -2000 - Math.floor(random() * 800);
        voice[h] = 1;
      }
    }
    const analysis = { sampleRate: 48000, levels, noiseFloor: -7000, voice };
    const input = { durationSeconds: duration, analysis, transcript: { words } };
    const kept = new Planner(input);
    const toggles = (i) => ({ remove_fillers: i % 2 === 0, margin_seconds: 0.1 + (i % 5) * 0.02 });
    let removals = 0;
    const replan = median((i) => (removals = kept.plan(toggles(i)).removed.length));
    const rebuilt = median((i) => {
      const planner = new Planner(input);
      planner.plan(toggles(i));
      planner.free();
    });
    const canvas = document.createElement('canvas');
    canvas.width = 1200;
    canvas.height = 120;
    document.body.append(canvas);
    const removed = kept.plan({}).removed;
    const waveform = median(() => drawWaveform(canvas, analysis, duration, removed));
    const perHop = median(() => {
      const context = canvas.getContext('2d');
      context.clearRect(0, 0, canvas.width, canvas.height);
      context.beginPath();
      for (let i = 0; i < levels.length; i += 1) {
        const x = (i / levels.length) * canvas.width;
        const y = canvas.height / 2 - ((levels[i] / 100 + 60) / 60) * (canvas.height / 2);
        context.lineTo(x, y);
      }
      context.stroke();
      context.getImageData(0, 0, 1, 1);
    });
    return { words: words.length, removals, replan, rebuilt, waveform, perHop };
  });
  const row = (what, ms, peer, peerMs, target) =>
    `| ${what} | ${ms.toFixed(1)} ms | ${peer} | ${peerMs.toFixed(1)} ms | ${(peerMs / ms).toFixed(1)}x | ${target} ms: ${ms < target ? 'yes' : 'NO'} |`;
  console.log(`60-minute talk: ${result.words} words, ${result.removals} removals planned`);
  console.log();
  console.log('| the app, in Chromium | time | peer | peer time | faster | target |');
  console.log('|---|---|---|---|---|---|');
  console.log(row('re-plan (kept Planner)', result.replan, 'a new Planner per change', result.rebuilt, 50));
  console.log(row('waveform (a bar per column)', result.waveform, 'a path point per hop', result.perHop, 200));
} finally {
  await close();
}
