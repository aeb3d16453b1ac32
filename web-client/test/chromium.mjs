// A page of the repository in Debian's headless Chromium (playwright-core), served from a loopback
// origin by static-server.mjs: the one way browser tests, e2e clients and benchmarks open Chromium.
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { serve } from './static-server.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** Debian's Chromium, headless. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Opens `path` (from the repository root, e.g. `web-client/test/blank.html`) and resolves with
 * `{ page, close }`; `close()` ends the browser and the server.
 */
export async function openPage(path) {
  const server = await serve(ROOT);
  const browser = await launchChromium();
  const close = async () => {
    await browser.close();
    server.close();
  };
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/${path}`);
    return { page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
