// Time to the first cut in the app (bench/src/first_cut.rs drives it): the page in Debian's headless
// Chromium, its uploads throttled to MBIT Mbit/s by Chromium's network emulation, picks VIDEO and
// waits until the video is uploaded. Prints the page's milestones (`roughcut:…` marks, ms).
// Usage: node first-cut.mjs BASE_URL API_KEY PROJECT_ID VIDEO MBIT
import { launchChromium } from '../../web-client/test/chromium.mjs';

const [base, apiKey, projectId, video, mbit] = process.argv.slice(2);
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const devtools = await page.context().newCDPSession(page);
  await devtools.send('Network.enable');
  await devtools.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: (Number(mbit) * 1e6) / 8,
  });
  await page.goto(`${base}/#key=${apiKey}`);
  await page.getByRole('heading', { name: 'Your recording' }).waitFor({ timeout: 30_000 });
  await page.getByLabel('Project', { exact: true }).selectOption(projectId);
  await page.getByLabel('Choose a recording').setInputFiles(video);
  await page.waitForFunction(() => performance.getEntriesByName('roughcut:video-uploaded').length > 0, null, {
    timeout: 60 * 60_000,
    polling: 500,
  });
  const marks = await page.evaluate(() =>
    Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name.replace('roughcut:', ''), m.startTime])),
  );
  const error = await page.getByRole('alert').textContent();
  console.log(JSON.stringify({ marks, error }));
} finally {
  await browser.close();
}
