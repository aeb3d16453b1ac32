// The SDK's types as a TypeScript user meets them: calls written as the README writes them
// compile, and a misspelt field, a wrong format or a misused result does not. Compiled by the
// TypeScript compiler against src/index.d.ts and the generated src/api.d.ts.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.js');
const dir = await mkdtemp(join(tmpdir(), 'roughcut-sdk-types-'));
after(() => rm(dir, { recursive: true, force: true }));

/** The compiler's errors for `code`, a module importing the SDK as `sdk`. */
async function errorsOf(name, code) {
  const file = join(dir, `${name}.mts`);
  await writeFile(file, `import * as sdk from ${JSON.stringify(sdk)};\n${code}\nexport {};\n`);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.asynciterable.d.ts'],
    skipLibCheck: false,
    types: [],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

test('the README quickstart type-checks, with resources typed from the OpenAPI document', async () => {
  const errors = await errorsOf('quickstart', `
    const rc = new sdk.Roughcut({ apiKey: 'sk_x', maxRetries: 2, timeoutMs: 60_000 });
    const project: sdk.Project = await rc.projects.create({ name: 'Launch' });
    const asset = await rc.assets.upload(new Blob([]), { project_id: project.id, onProgress: (p) => p.eta });
    const ready: sdk.Asset = await rc.assets.waitUntil(asset.id, 'cuttable');
    const cut = await rc.cuts.create({ asset_id: ready.id, options: { remove_fillers: true } });
    const done = await rc.cuts.wait(cut.id);
    const kept: number = done.segments.length;
    const otio: string = await rc.cuts.export(cut.id, 'otio');
    const render = await rc.renders.create({ asset_id: asset.id, cut_id: cut.id, output: { format: 'mp4' } });
    const bytes: Uint8Array = await rc.renders.download(render.id);
    const balance: number = (await rc.credits.balance()).available;
    for await (const a of rc.assets.list({ project_id: project.id, limit: 50 })) a.state satisfies string;
    for await (const ev of rc.pipelines.events('pip_1')) ev.event satisfies string;
    const event = await sdk.webhooks.verify('{}', new Headers(), 'whsec_x');
    const endpoint = await rc.webhookEndpoints.create({ url: 'https://example.com/hook', event_types: ['cut.completed'] });
    endpoint.secret satisfies string | null | undefined;
    console.log(kept, otio, bytes, balance, event.type, new sdk.FileUrlStore('uploads.json'));
  `);
  assert.deepEqual(errors, []);
});

test('misspelt fields, unknown formats and misused results do not type-check', async () => {
  for (const [what, code, expected] of [
    ['a misspelt body field', `await new sdk.Roughcut({ apiKey: 'k' }).projects.create({ nam: 'x' });`, /nam/],
    ['an unknown export format', `await new sdk.Roughcut({ apiKey: 'k' }).cuts.export('c', 'mp4');`, /"mp4"/],
    ['a field the resource lacks', `(await new sdk.Roughcut({ apiKey: 'k' }).cuts.get('c')).segmnts;`, /segmnts/],
    ['a render format outside the API', `await new sdk.Roughcut({ apiKey: 'k' }).renders.create({ asset_id: 'a', output: { format: 'avi' } });`, /avi/],
  ]) {
    const errors = await errorsOf(what.replaceAll(' ', '-'), code);
    assert.ok(errors.some((e) => expected.test(e)), `${what}: ${JSON.stringify(errors)}`);
  }
});
