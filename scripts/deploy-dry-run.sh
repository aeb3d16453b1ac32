#!/usr/bin/env bash
# `wrangler deploy --dry-run` of wrangler.toml, the production configuration: wrangler validates
# every binding, bundles the built worker and lists what it would deploy, and this checks that the
# list holds everything production needs. One change is made to a copy: the container image is a
# registry reference instead of media-container/Dockerfile, since a dry run builds the image and
# the development machines have no Docker (the image builds with
# `docker build -f media-container/Dockerfile .`).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
# beside wrangler.toml: wrangler resolves `main` and the migrations from the config's directory
config="$ROOT/.wrangler-dry-run.toml"
out=$(mktemp -d)
trap 'rm -rf "$config" "$out"' EXIT
sed -e 's|^image = "./media-container/Dockerfile"$|image = "registry.cloudflare.com/roughcut/media-container:dry-run"|' \
  -e '/^image_build_context = /d' wrangler.toml >"$config"
grep -q '^image = "registry.cloudflare.com/roughcut/media-container:dry-run"$' "$config" ||
  { echo "deploy dry run: wrangler.toml's container image line changed; update this script" >&2; exit 1; }
if ! "$WRANGLER_BIN" deploy --dry-run --config "$config" --outdir "$out/bundle" >"$out/log" 2>&1; then
  cat "$out/log" >&2
  exit 1
fi
for binding in 'env.DB ' 'env.MEDIA ' 'env.JOBS ' 'env.UPLOADS (UploadObject)' 'env.MEDIA_CONTAINER (MediaContainer)' \
  'env.PIPELINE_STREAMS (PipelineStreamObject)' 'env.WEBHOOKS ' \
  'env.AI ' 'env.API_KEY_RATE_LIMITER' 'env.CLIENT_RATE_LIMITER' 'roughcut-mediacontainer'; do
  grep -qF "$binding" "$out/log" || { echo "deploy dry run: no $binding in:" >&2; cat "$out/log" >&2; exit 1; }
done
# what the listing does not show
for setting in 'compatibility_flags = ["global_fetch_strictly_public"]' 'crons = [' '[observability]'; do
  grep -qF "$setting" wrangler.toml || { echo "deploy dry run: wrangler.toml lacks $setting" >&2; exit 1; }
done
echo "deploy dry run: every binding, the container and the bundle check out"
