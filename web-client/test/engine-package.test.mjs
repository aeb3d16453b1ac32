// The engine package as web-client imports it: an ES module whose wasm is loaded explicitly
// (in the browser from its URL; here from the file), exposing the camelCase facade.
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const engine = await import(new URL('../engine/roughcut_engine.js', import.meta.url));
await engine.default({ module_or_path: await readFile(new URL('../engine/roughcut_engine_bg.wasm', import.meta.url)) });

test('exports the facade', () => {
  for (const name of ['sniff', 'probe', 'extractAudio', 'speechAudio', 'analyse', 'renderAudio']) {
    assert.equal(typeof engine[name], 'function', name);
  }
});

test('sniffs and refuses with coded errors', () => {
  assert.equal(engine.sniff(new TextEncoder().encode('RIFF\x24\0\0\0WAVEfmt ')), 'wav');
  assert.equal(engine.sniff(new TextEncoder().encode('<!doctype html>')), undefined);
  assert.throws(() => engine.probe(new Uint8Array(100)), (error) => error instanceof Error && error.code === 'unsupported_media');
});
