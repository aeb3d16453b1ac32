// The SDK (web-client/sdk) against the real local stack, as a Node user would call it: projects,
// typed errors, auto-pagination, an idempotent create, a cut waited for and exported, an m4a
// render waited for and downloaded, webhook endpoints, and a pipeline followed over its Server-Sent
// Events. Prints one JSON line of what it saw; exits non-zero with the failure otherwise.
// Usage: node sdk-on-the-stack.mjs BASE_URL API_KEY PROJECT_ID VIDEO (a talk the stack's
// transcriber knows)
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

import { Roughcut, RoughcutError } from '../../web-client/sdk/src/index.js';

const [baseUrl, apiKey, projectId, video] = process.argv.slice(2);
// the connection drops in the middle of the upload's second chunk: half its bytes go out, then the
// request is cut off, so the server cannot have the whole chunk and the SDK must resume from HEAD
let patches = 0;
let dropped = false;
const droppingFetch = async (url, init) => {
  if (init?.method === 'PATCH' && (patches += 1) === 2) {
    const bytes = new Uint8Array(await new Response(init.body).arrayBuffer());
    const half = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes.subarray(0, bytes.length >> 1));
      },
    });
    const controller = new AbortController();
    const sent = fetch(url, { ...init, body: half, duplex: 'half', signal: controller.signal });
    setTimeout(() => controller.abort(), 500);
    await sent.catch(() => {});
    dropped = true;
    throw new TypeError('fetch failed: the connection dropped');
  }
  return fetch(url, init);
};
const rc = new Roughcut({ apiKey, baseUrl, fetch: droppingFetch });
const seen = {};

// an upload across a dropped connection, resumed where the server stands
const size = (await stat(video)).size;
const progress = [];
// from a stream, which the SDK reads forwards only, keeping the chunk in flight for the resume
const uploaded = await rc.assets.upload(createReadStream(video), {
  project_id: projectId,
  size,
  filename: 'talk.mp4',
  chunkBytes: Math.ceil(size / 4),
  onProgress: (p) => progress.push(p.bytesUploaded),
});
assert.ok(dropped, 'the second chunk was dropped');
assert.equal(progress.at(-1), size);
assert.equal(uploaded.size_bytes, size);
const assetId = uploaded.id;
const asset = await rc.assets.waitUntil(assetId, 'ready', { timeoutMs: 90_000 });
assert.equal(asset.state, 'ready');
seen.upload_patches = patches;

// projects, errors, pagination
const names = ['sdk one', 'sdk two', 'sdk three'];
const made = [];
for (const name of names) made.push(await rc.projects.create({ name }));
assert.equal((await rc.projects.get(made[0].id)).name, 'sdk one');
assert.equal((await rc.projects.update(made[0].id, { name: 'sdk first' })).name, 'sdk first');
const firstPage = await rc.projects.list({ limit: 2 });
assert.equal(firstPage.items.length, 2);
const listed = [];
for await (const project of rc.projects.list({ limit: 2 })) listed.push(project.id);
for (const project of made) assert.ok(listed.includes(project.id), `${project.id} is listed`);
seen.projects_listed = listed.length;
await rc.projects.delete(made[2].id);
const missing = await rc.projects.get(made[2].id).catch((e) => e);
assert.ok(missing instanceof RoughcutError, String(missing));
assert.deepEqual([missing.status, missing.code], [404, 'not_found']);
const invalid = await rc.projects.create({ name: '' }).catch((e) => e);
assert.deepEqual([invalid.status, invalid.code], [422, 'validation_error']);
assert.equal(invalid.fields[0].field, 'body.name');
const once = await rc.projects.create({ name: 'sdk once' }, { idempotencyKey: 'sdk-once-1' });
const again = await rc.projects.create({ name: 'sdk once' }, { idempotencyKey: 'sdk-once-1' });
assert.equal(again.id, once.id, 'the same key replays the first answer');

// a cut, its exports
const cut = await rc.cuts.create({ asset_id: assetId });
const completed = await rc.cuts.wait(cut.id, { timeoutMs: 90_000 });
assert.equal(completed.state, 'completed');
const otio = JSON.parse(await rc.cuts.export(cut.id, 'otio'));
assert.equal(otio.OTIO_SCHEMA, 'Timeline.1');
const srt = await rc.cuts.subtitles(cut.id, 'srt');
assert.match(srt, /-->/);
seen.cut_segments = completed.segments.length;

// a render, downloaded
const render = await rc.renders.create({ asset_id: assetId, cut_id: cut.id, output: { format: 'm4a' } });
const rendered = await rc.renders.wait(render.id, { timeoutMs: 120_000, onProgress: () => {} });
assert.equal(rendered.state, 'completed');
const bytes = await rc.renders.download(render.id);
assert.equal(bytes.length, rendered.size_bytes);
assert.equal(new TextDecoder().decode(bytes.slice(4, 8)), 'ftyp', 'an MP4 container');
seen.render_bytes = bytes.length;

// webhook endpoints
const endpoint = await rc.webhookEndpoints.create({ url: 'https://example.com/roughcut', event_types: ['cut.completed'] });
assert.match(endpoint.secret, /^whsec_/);
const endpoints = [];
for await (const e of rc.webhookEndpoints.list()) endpoints.push(e.id);
assert.deepEqual(endpoints, [endpoint.id]);
await rc.webhookEndpoints.delete(endpoint.id);

// a pipeline, followed live
const steps = [{ processor_name: 'cut', config: {} }];
const quote = await rc.pipelines.estimate({ input_asset_id: assetId, steps });
const pipeline = await rc.pipelines.create({ input_asset_id: assetId, steps, pricing_token: quote.pricing_token });
const states = [];
for await (const event of rc.pipelines.events(pipeline.id)) {
  if (event.event === 'pipeline.state') states.push(event.data.state);
}
assert.equal(states.at(-1), 'COMPLETED', states.join(' '));
seen.pipeline_states = states;
seen.balance = await rc.credits.balance();
console.log(JSON.stringify(seen));
