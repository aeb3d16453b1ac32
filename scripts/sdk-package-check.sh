#!/usr/bin/env bash
# @roughcut/sdk as npm would publish it: `npm pack` (which builds the CommonJS twin), the tarball
# linted by publint (strict) and @arethetypeswrong/cli, then installed into an empty directory
# where both require() and import load it and sign and verify a webhook. Run by scripts/test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball="$work/$(cd "$ROOT/web-client/sdk" && npm pack --silent --pack-destination "$work" | tail -1)"
"$ROOT/node_modules/.bin/publint" run --strict "$tarball" | tail -1
"$ROOT/node_modules/.bin/attw" --format ascii "$tarball" | sed -n '/problem/p' | head -1
mkdir "$work/app"
(cd "$work/app" && npm install --offline --no-audit --no-fund --silent "$tarball")
check='
  const { Roughcut, RoughcutError, webhooks } = sdk;
  if (typeof Roughcut !== "function" || typeof RoughcutError !== "function") throw new Error("exports");
  const secret = "whsec_" + Buffer.from("a secret of at least 24 bytes!").toString("base64");
  const body = JSON.stringify({ type: "webhook.test", data: { entity_id: "whe_1" } });
  const event = await webhooks.verify(body, await webhooks.sign(body, secret), secret);
  if (event.type !== "webhook.test") throw new Error("verify");
  console.log(kind + ": loads, signs and verifies");'
(cd "$work/app" && node -e "(async () => { const sdk = require('@roughcut/sdk'); const kind = 'require'; $check })().catch((e) => { console.error(e); process.exit(1); })")
(cd "$work/app" && node --input-type=module -e "const sdk = await import('@roughcut/sdk'); const kind = 'import'; $check")
