// The roughcut page as a user meets it, in Debian's headless Chromium against the real stack:
// a wrong key refused in words, the sign-in link, a project picked, the talking-head mp4 chosen.
// The video's chunks are held back until the end (a slow uplink, made certain), so the cut, the
// export and an m4a render all happen while the video uploads. Then axe-core (wcag2a/aa) and a
// screenshot, and a reload that shows the last cut again. Then a second upload of the file,
// reloaded mid-upload and resumed by choosing the same file again; a third, picked through the
// browser's file picker, resumed after a reload from its kept file handle. Prints one JSON object
// of what it saw; the e2e test (tests/e2e/app.rs) judges it.
// With `first-cut` after the arguments, it stops once the first cut is shown and the video is in.
// Usage: node app-browser.mjs BASE_URL API_KEY PROJECT_ID VIDEO OUT_DIR [first-cut]
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { launchChromium } from '../../web-client/test/chromium.mjs';

const [base, apiKey, projectId, video, out, only] = process.argv.slice(2);
const firstCutOnly = only === 'first-cut';

/** Resolves once `condition()` holds; throws `what` after 60 s. */
async function until(condition, what) {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 60_000) throw new Error(what);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const seen = { page_errors: [] };
const browser = await launchChromium();
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1000 } });
  // The browser's own file picker is UI that playwright cannot drive (microsoft/playwright#8850):
  // here it answers with a real file handle, of the recording written into the page's origin
  // private file system (below), which the page keeps and reopens as it would a picked file's.
  await context.addInitScript(() => {
    window.showOpenFilePicker = async () => [await (await navigator.storage.getDirectory()).getFileHandle('talk.mp4')];
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => seen.page_errors.push(error.message));

  // a wrong key: the sign-in form says why, with the request id
  await page.goto(`${base}/`);
  await page.getByLabel('API key').fill('sk_not_a_real_key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: /Request id/ }).waitFor({ timeout: 15_000 });
  seen.refused = await page.getByRole('alert').textContent();

  // the video's PATCHes wait while it is held (`hold()` … `release()`); everything else goes through
  let videoUploadPath = null;
  const created = [];
  let heldPatches = 0;
  let release;
  let released;
  const hold = () => (released = new Promise((resolve) => (release = resolve)));
  hold();
  await page.route('**/v1/assets', async (route) => {
    const response = await route.fetch();
    if (route.request().method() === 'POST' && response.ok()) {
      const asset = await response.json();
      created.push(asset.id);
      videoUploadPath = new URL(asset.upload_url).pathname;
    }
    await route.fulfill({ response });
  });
  await page.route('**/v1/uploads/**', async (route) => {
    const request = route.request();
    if (request.method() === 'PATCH' && new URL(request.url()).pathname === videoUploadPath) {
      heldPatches += 1;
      await released;
    }
    // a PATCH held past the SDK's timeout was abandoned by the page (and resumed from HEAD)
    await route.continue().catch(() => {});
  });

  // the sign-in link: the key in the fragment, gone from the address once read
  await page.goto(`${base}/#key=${apiKey}`);
  await page.getByRole('heading', { name: 'Your recording' }).waitFor({ timeout: 15_000 });
  seen.address_after_sign_in = await page.evaluate(() => location.href);
  await page.getByLabel('Project', { exact: true }).selectOption(projectId);
  await page.getByLabel('Choose a recording').setInputFiles(video);
  await page.waitForFunction(() => performance.getEntriesByName('roughcut:cut-shown').length > 0, null, {
    timeout: 180_000,
  });
  const progress = (name) => page.getByRole('progressbar', { name }).evaluate((bar) => bar.value);
  seen.at_cut = { audio: await progress('Audio upload'), video: await progress('Video upload') };
  seen.removed = await page.getByRole('list', { name: 'Removed' }).getByRole('listitem').allTextContents();
  seen.struck_words = await page.locator('#transcript del').allTextContents();
  seen.waveform = await page.getByRole('img', { name: 'Waveform' }).evaluate((canvas) => {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted += 1;
    return painted / (canvas.width * canvas.height);
  });

  if (firstCutOnly) {
    release();
    await page.waitForFunction(() => performance.getEntriesByName('roughcut:video-uploaded').length > 0, null, {
      timeout: 120_000,
    });
    seen.video_after_release = await progress('Video upload');
  } else {
    // the controls re-plan in the browser: no fillers removed once "Remove fillers" is off
    await page.getByLabel('Remove fillers').uncheck();
    seen.removed_without_fillers = await page.getByRole('list', { name: 'Removed' }).getByRole('listitem').allTextContents();
    await page.getByLabel('Remove fillers').check();

    await page.getByRole('button', { name: 'Play cut' }).click();
    await page.waitForSelector('#play-cut[data-state="playing"]', { timeout: 15_000 });
    seen.play_state = await page.getByRole('button', { name: 'Stop' }).getAttribute('data-state');
    await page.getByRole('button', { name: 'Stop' }).click();

    await page.getByLabel('Export format').selectOption('otio');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
    seen.export = { name: download.suggestedFilename(), path: join(out, 'app-export.otio') };
    await download.saveAs(seen.export.path);

    await page.getByLabel('Render format').selectOption('m4a');
    await page.getByRole('button', { name: 'Render' }).click();
    const link = page.getByRole('link', { name: 'Download render' });
    await link.waitFor({ timeout: 180_000 });
    const rendered = await page.request.get(await link.getAttribute('href'));
    seen.render = { status: rendered.status(), path: join(out, 'app-render.m4a') };
    await writeFile(seen.render.path, await rendered.body());
    seen.video_before_release = {
      value: await progress('Video upload'),
      uploaded: await page.evaluate(() => performance.getEntriesByName('roughcut:video-uploaded').length > 0),
    };

    release();
    await page.waitForFunction(() => performance.getEntriesByName('roughcut:video-uploaded').length > 0, null, {
      timeout: 120_000,
    });
    seen.video_after_release = await progress('Video upload');
    seen.marks = await page.evaluate(() =>
      Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name.replace('roughcut:', ''), Math.round(m.startTime)])),
    );

    // axe-core, evaluated over the DevTools protocol (the page's CSP admits no injected script)
    const axe = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    await page.evaluate(axe);
    seen.axe_violations = await page.evaluate(async () => {
      const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    seen.screenshot = join(out, 'app.png');
    await page.screenshot({ path: seen.screenshot, fullPage: true });

    // a reload shows the last cut again, from the server, until the recording is chosen again
    await page.reload();
    await page.getByRole('heading', { name: 'The cut' }).waitFor({ timeout: 15_000 });
    seen.restored = {
      removed: await page.getByRole('list', { name: 'Removed' }).getByRole('listitem').allTextContents(),
      status: await page.locator('#status').textContent(),
      play_disabled: await page.getByRole('button', { name: 'Play cut' }).isDisabled(),
    };

    // the same file again, its video held; a reload mid-upload; the same file chosen: it resumes
    hold();
    heldPatches = 0;
    await page.getByLabel('Choose a recording').setInputFiles(video);
    await page.waitForFunction(() => performance.getEntriesByName('roughcut:audio-uploaded').length > 0);
    await until(() => heldPatches > 0, 'the second video upload never started');
    const interrupted = created.at(-1);
    // pause and resume: the held PATCH is given up, and a new one goes out from the server's offset
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByText(/^Paused at/).waitFor({ timeout: 15_000 });
    const before = heldPatches;
    await page.getByRole('button', { name: 'Resume' }).click();
    await until(() => heldPatches > before, 'the resumed video upload sent nothing');
    seen.paused_and_resumed = { pause_button: await page.locator('#pause').textContent(), patches: heldPatches };
    await page.reload();
    await page.getByRole('heading', { name: 'Your recording' }).waitFor({ timeout: 15_000 });
    const hint = page.getByText('was still uploading');
    await hint.waitFor({ timeout: 15_000 });
    seen.resume_hint = await hint.textContent();
    release();
    await page.getByLabel('Choose a recording').setInputFiles(video);
    await page.waitForFunction(() => performance.getEntriesByName('roughcut:video-uploaded').length > 0, null, {
      timeout: 120_000,
    });
    seen.resumed = { interrupted, created_after_reload: created.slice(created.indexOf(interrupted) + 1) };

    // Chromium: a recording opened through the picker is reopened from its kept handle after a
    // reload, with one click and no file chosen again
    const bytes = (await readFile(video)).toString('base64');
    await page.evaluate(async (base64) => {
      const handle = await (await navigator.storage.getDirectory()).getFileHandle('talk.mp4', { create: true });
      const writable = await handle.createWritable();
      await writable.write(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
      await writable.close();
    }, bytes);
    hold();
    heldPatches = 0;
    await page.evaluate(() => performance.clearMarks());
    await page.getByLabel('Choose a recording').click();
    await page.waitForFunction(() => performance.getEntriesByName('roughcut:audio-uploaded').length > 0);
    await until(() => heldPatches > 0, 'the picked video upload never started');
    const picked = created.at(-1);
    await page.reload();
    const resume = page.getByRole('button', { name: 'Resume upload' });
    await resume.waitFor({ timeout: 15_000 });
    seen.handle_hint = await page.locator('#resume-hint').textContent();
    release();
    await resume.click();
    await page.waitForFunction(() => performance.getEntriesByName('roughcut:video-uploaded').length > 0, null, {
      timeout: 120_000,
    });
    seen.handle_resumed = { picked, created_after_reload: created.slice(created.indexOf(picked) + 1) };
  }
} catch (error) {
  seen.error = `${error.name}: ${error.message}`;
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
