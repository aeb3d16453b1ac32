// encodeAudio in headless Chromium (Debian's, driven by playwright-core): Rust decodes and cuts,
// ffmpeg.wasm (served from node_modules, never a CDN) encodes AAC at the asked bitrate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from './chromium.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'roughcut-ffmpeg-wasm-'));
let page, closePage;

before(async () => {
  ({ page, close: closePage } = await openPage('web-client/test/blank.html'));
});

after(async () => {
  await closePage?.();
  rmSync(scratch, { recursive: true, force: true });
});

const ffmpegLocation = {
  moduleURL: '/node_modules/@ffmpeg/ffmpeg/dist/esm/index.js',
  coreURL: '/node_modules/@ffmpeg/core/dist/esm/ffmpeg-core.js',
  wasmURL: '/node_modules/@ffmpeg/core/dist/esm/ffmpeg-core.wasm',
};

async function encodeInPage(input, spans, options) {
  return page.evaluate(async ([bytes, spans, options]) => {
    const engine = await import('/web-client/engine/roughcut_engine.js');
    await engine.default();
    try {
      return { bytes: Array.from(await engine.encodeAudio(new Uint8Array(bytes), spans, options)) };
    } catch (error) {
      return { code: error.code, message: error.message };
    }
  }, [Array.from(input), spans, options]);
}

test('kept spans are encoded to AAC at the asked bitrate', async () => {
  const source = join(scratch, 'source.m4a');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=500:sample_rate=44100', '-t', '4', '-ac', '2', '-c:a', 'aac', '-b:a', '192k', source]);
  const spans = [{ startMs: 500, endMs: 1500 }, { startMs: 2000, endMs: 3000 }];
  const result = await encodeInPage(readFileSync(source), spans, { bitrateKbps: 96, ffmpeg: ffmpegLocation });
  assert.ok(result.bytes, result.message);
  const output = join(scratch, 'encoded.m4a');
  writeFileSync(output, Buffer.from(result.bytes));
  const probed = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', output]));
  const stream = probed.streams[0];
  assert.equal(stream.codec_name, 'aac');
  assert.equal(stream.channels, 2);
  assert.ok(Math.abs(Number(probed.format.duration) - 2.0) < 0.03, `duration ${probed.format.duration}`);
  assert.ok(Math.abs(Number(stream.bit_rate) - 96000) < 96000 * 0.2, `bit rate ${stream.bit_rate}`);
});

test('an unreachable ffmpeg.wasm is a coded error', async () => {
  const wav = readFileSync(join(scratch, 'source.m4a'));
  const result = await encodeInPage(wav, [{ startMs: 0, endMs: 500 }], { bitrateKbps: 96, ffmpeg: { ...ffmpegLocation, moduleURL: '/node_modules/@ffmpeg/missing.js' } });
  assert.equal(result.code, 'encode_failed', result.message);
});
