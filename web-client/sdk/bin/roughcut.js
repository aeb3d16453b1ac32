#!/usr/bin/env node
// `roughcut cut talk.mp4 [--script script.txt] [--export fcpxml|xmeml|edl|otio|srt|vtt]...
// [--render mp4|mov|m4a|mp3] [--out DIR] [--project ID]`: uploads the recording (with a progress
// bar), waits for its cut, and writes the exports and the render next to it (or into DIR). The key
// comes from ROUGHCUT_API_KEY, the API from ROUGHCUT_URL (default: `make dev`'s). On failure it
// prints the API's message and exits non-zero.

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';

import { Roughcut, RoughcutError } from '../src/index.js';

const EDITOR_FORMATS = ['otio', 'fcpxml', 'xmeml', 'edl'];
const CAPTION_FORMATS = ['srt', 'vtt'];
const RENDER_FORMATS = ['mp4', 'mov', 'm4a', 'mp3'];
const EXTENSIONS = { otio: 'otio', fcpxml: 'fcpxml', xmeml: 'xml', edl: 'edl', srt: 'srt', vtt: 'vtt' };
const USAGE = `usage: roughcut cut RECORDING [--script FILE] [--export ${[...EDITOR_FORMATS, ...CAPTION_FORMATS].join('|')}]...
                    [--render ${RENDER_FORMATS.join('|')}] [--out DIR] [--project ID]
env: ROUGHCUT_API_KEY (required), ROUGHCUT_URL (default http://127.0.0.1:8787)`;

function fail(message) {
  process.stderr.write(`roughcut: ${message}\n`);
  process.exit(1);
}

function bar(done, total, speed) {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const mb = (n) => (n / 1e6).toFixed(1);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${mb(done)}/${mb(total)} MB ${mb(speed)} MB/s`;
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      script: { type: 'string' },
      export: { type: 'string', multiple: true, default: [] },
      render: { type: 'string' },
      out: { type: 'string' },
      project: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, recording] = positionals;
  if (values.help || command !== 'cut' || !recording) fail(USAGE);
  for (const format of values.export) {
    if (!EXTENSIONS[format]) fail(`--export ${format}: one of ${Object.keys(EXTENSIONS).join(', ')}`);
  }
  if (values.render && !RENDER_FORMATS.includes(values.render)) fail(`--render ${values.render}: one of ${RENDER_FORMATS.join(', ')}`);
  const apiKey = process.env.ROUGHCUT_API_KEY;
  if (!apiKey) fail('set ROUGHCUT_API_KEY to an account key (sk_…)');
  const rc = new Roughcut({ apiKey, baseUrl: process.env.ROUGHCUT_URL ?? 'http://127.0.0.1:8787' });
  const script = values.script ? await readFile(values.script, 'utf8') : undefined;
  const out = values.out ?? dirname(recording);
  const stem = basename(recording, extname(recording));
  await mkdir(out, { recursive: true });

  const projectId = values.project ?? (await rc.projects.create({ name: stem })).id;
  const tty = process.stderr.isTTY;
  const asset = await rc.assets.upload(recording, {
    project_id: projectId,
    onProgress: ({ bytesUploaded, bytesTotal, speed }) => tty && process.stderr.write(bar(bytesUploaded, bytesTotal, speed)),
  });
  process.stderr.write(`${tty ? '\n' : ''}uploaded ${asset.id}; processing…\n`);
  await rc.assets.waitUntil(asset.id, values.render && ['mp4', 'mov'].includes(values.render) ? 'ready' : 'cuttable');
  const cut = await rc.cuts.create({ asset_id: asset.id, ...(script ? { script } : {}) });
  const done = await rc.cuts.wait(cut.id);
  process.stderr.write(`cut ${cut.id}: ${done.segments.length} segments kept, ${done.removed.length} removals\n`);
  const written = [];
  for (const format of values.export) {
    const text = CAPTION_FORMATS.includes(format) ? await rc.cuts.subtitles(cut.id, format) : await rc.cuts.export(cut.id, format);
    const file = join(out, `${stem}.rough-cut.${EXTENSIONS[format]}`);
    await writeFile(file, text);
    written.push(file);
  }
  if (values.render) {
    const render = await rc.renders.create({ asset_id: asset.id, cut_id: cut.id, output: { format: values.render } });
    await rc.renders.wait(render.id, {
      onProgress: (progress) => tty && process.stderr.write(`\rrendering ${(progress * 100).toFixed(0)}%`),
    });
    const file = join(out, `${stem}.rough-cut.${values.render}`);
    await writeFile(file, await rc.renders.download(render.id));
    if (tty) process.stderr.write('\n');
    written.push(file);
  }
  for (const file of written) process.stdout.write(`${file}\n`);
}

main().catch((error) => {
  const detail = error instanceof RoughcutError && error.fields.length
    ? ` (${error.fields.map((f) => `${f.field}: ${f.message}`).join('; ')})`
    : '';
  fail(`${error.message}${detail}`);
});
