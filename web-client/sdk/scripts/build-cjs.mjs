// The CommonJS build of @roughcut/sdk (dist/), made by `npm pack` (prepack): the ESM sources
// bundled by esbuild into one require()-able file, and the types beside it as .d.cts, so that
// `require('@roughcut/sdk')` gets CommonJS types under TypeScript's node16 resolution. The ESM
// sources ship as they are.
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(sdk, 'dist');
await rm(dist, { recursive: true, force: true });
await mkdir(dist);
await build({
  entryPoints: [join(sdk, 'src/index.js')],
  outfile: join(dist, 'index.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'neutral',
  target: 'es2022',
  // Node's modules load only where a Node path needs them (a file path, a file store)
  external: ['node:*'],
  logLevel: 'warning',
});
for (const name of await readdir(join(sdk, 'src'))) {
  if (!name.endsWith('.d.ts')) continue;
  const types = await readFile(join(sdk, 'src', name), 'utf8');
  // relative imports of .js types become their .cjs twins
  const cjs = types.replace(/(from\s+['"]\.\/[^'"]+)\.js(['"])/g, '$1.cjs$2');
  await writeFile(join(dist, name.replace(/\.d\.ts$/, '.d.cts')), cjs);
}
