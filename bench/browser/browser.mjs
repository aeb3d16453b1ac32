// Drives the browser benchmark in Debian's headless Chromium (playwright-core, never a downloaded
// browser): `node bench/browser.mjs VIDEO AUDIO RUNS` prints one JSON object of median seconds.
import { openPage } from '../../web-client/test/chromium.mjs';

const [video, audio, runsText] = process.argv.slice(2);
const runs = Number(runsText ?? 3);
const { page, close } = await openPage('bench/browser/index.html');
try {
  await page.waitForFunction(() => window.benchReady === true);
  const median = async (job, file, spans) => {
    await page.setInputFiles('#media', file);
    const times = [];
    for (let i = 0; i < runs; i++) times.push((await page.evaluate(([j, s]) => window.bench(j, s), [job, spans])).seconds);
    times.sort((a, b) => a - b);
    return times[Math.floor(runs / 2)];
  };
  const spans = JSON.parse(process.env.BENCH_SPANS ?? '[]');
  const result = {};
  const only = process.env.BENCH_JOBS?.split(',');
  for (const [job, file] of [['extract', video], ['render-m4a', audio], ['render-mp3', audio]]) {
    if (only && !only.includes(job)) continue;
    result[job] = { engine: await median(`engine-${job}`, file, spans), ffmpeg: await median(`ffmpeg-${job}`, file, spans) };
  }
  console.log(JSON.stringify(result));
} finally {
  await close();
}
