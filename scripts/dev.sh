#!/usr/bin/env bash
# The whole local stack (run by `make dev` after the build): local D1 migrated and seeded with a
# dev account, the media container, the local Whisper transcriber, and `wrangler dev --local` on
# 127.0.0.1:8787. Ctrl-C or SIGTERM stops everything.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"

PORT=${PORT:-8787}
MEDIA_PORT=${MEDIA_PORT:-8788}
TRANSCRIBER_PORT=${TRANSCRIBER_PORT:-8789}
STATE_DIR="$ROOT/.wrangler/state"

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# .dev.vars: generated once, kept afterwards (wrangler dev reads it as the worker's secrets).
touch .dev.vars
grep -q '^ADMIN_TOKEN=' .dev.vars || echo "ADMIN_TOKEN=$(random_hex 24)" >>.dev.vars
grep -q '^DEV_API_KEY=' .dev.vars || echo "DEV_API_KEY=sk_$(random_hex 24)" >>.dev.vars
grep -q '^SIGNING_SECRET=' .dev.vars || echo "SIGNING_SECRET=$(random_hex 32)" >>.dev.vars
# The worker signs the media container's jobs with it; the container runs no job it did not sign.
grep -q '^MEDIA_JOB_SECRET=' .dev.vars || echo "MEDIA_JOB_SECRET=$(random_hex 32)" >>.dev.vars
DEV_API_KEY=$(sed -n 's/^DEV_API_KEY=//p' .dev.vars)
MEDIA_JOB_SECRET=$(sed -n 's/^MEDIA_JOB_SECRET=//p' .dev.vars)

"$WRANGLER_BIN" d1 migrations apply DB --local --persist-to "$STATE_DIR" >/dev/null

# The dev account and its key (only the key's SHA-256 is stored, as for any key), and 1,000
# credits granted once.
key_hash=$(printf '%s' "$DEV_API_KEY" | sha256sum | cut -d' ' -f1)
now_ms=$(($(date +%s) * 1000))
"$WRANGLER_BIN" d1 execute DB --local --persist-to "$STATE_DIR" --command "
  INSERT OR IGNORE INTO accounts (id, name, created_at) VALUES ('acc_dev', 'Local development', $now_ms);
  INSERT OR IGNORE INTO api_keys (id, account_id, name, prefix, key_hash, created_at)
    VALUES ('key_dev_${key_hash:0:12}', 'acc_dev', 'DEV_API_KEY', '${DEV_API_KEY:0:11}', '$key_hash', $now_ms);
  INSERT INTO ledger_entries (id, account_id, type, delta, memo, created_at)
    SELECT 'led_dev_welcome', 'acc_dev', 'topup', 1000, 'make dev: welcome credits', $now_ms
    WHERE NOT EXISTS (SELECT 1 FROM ledger_entries WHERE id = 'led_dev_welcome');" >/dev/null

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "dev: stopping"
  for pid in "${pids[@]}"; do kill -s TERM -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

# Each in its own session (setsid), so that Ctrl-C reaches only this script, which then stops
# each whole process group (wrangler's workerd included).
PORT=$MEDIA_PORT MEDIA_JOB_SECRET=$MEDIA_JOB_SECRET setsid "$MEDIA_CONTAINER_BIN" &
pids+=($!)
# Transcription: the local Whisper server (scripts/local-transcriber.py, installed by bootstrap)
# unless TRANSCRIBER says otherwise: `none` turns it off, `openai` with a TRANSCRIBER_URL points at
# another OpenAI-compatible server (TRANSCRIBER_MODEL and, for a hosted service,
# TRANSCRIBER_API_KEY in .dev.vars).
TRANSCRIBER=${TRANSCRIBER:-openai}
health_urls=("http://127.0.0.1:$PORT/v1/openapi.json" "http://127.0.0.1:$MEDIA_PORT/health")
if [ "$TRANSCRIBER" = openai ] && [ -z "${TRANSCRIBER_URL:-}" ]; then
  TRANSCRIBER_URL="http://127.0.0.1:$TRANSCRIBER_PORT/v1"
  setsid "$LOCAL_TRANSCRIBER_PYTHON" "$LOCAL_TRANSCRIBER_SCRIPT" --model-dir "$WHISPER_MODEL_DIR" \
    --port "$TRANSCRIBER_PORT" &
  pids+=($!)
  health_urls+=("http://127.0.0.1:$TRANSCRIBER_PORT/health")
fi
# Processing: the worker reaches the media container process over MEDIA_URL and the container
# reaches the worker at PUBLIC_URL.
# Webhooks may go to a receiver on this machine (http://127.0.0.1:PORT), as they may not in production.
processing_vars=(--var "PUBLIC_URL:http://127.0.0.1:$PORT" --var "MEDIA_URL:http://127.0.0.1:$MEDIA_PORT"
  --var "TRANSCRIBER:$TRANSCRIBER" --var "WEBHOOKS_ALLOW_LOOPBACK_HTTP:true")
[ -n "${TRANSCRIBER_URL:-}" ] && processing_vars+=(--var "TRANSCRIBER_URL:$TRANSCRIBER_URL")
[ -n "${TRANSCRIBER_MODEL:-}" ] && processing_vars+=(--var "TRANSCRIBER_MODEL:$TRANSCRIBER_MODEL")
setsid "$WRANGLER_BIN" dev --local --ip 127.0.0.1 --port "$PORT" --persist-to "$STATE_DIR" \
  --show-interactive-dev-session=false --test-scheduled "${processing_vars[@]}" &
pids+=($!)
# wrangler dev never fires crons: the sweep of wrangler.toml's [triggers], every 10 minutes.
setsid bash -c "while sleep 600; do curl -fs 'http://127.0.0.1:$PORT/__scheduled?cron=*/10+*+*+*+*' >/dev/null; done" &
pids+=($!)

all_healthy() {
  for url in "${health_urls[@]}"; do curl -fs "$url" >/dev/null || return 1; done
}
for _ in $(seq 1 300); do
  if all_healthy; then
    cat <<MSG

roughcut is running.
  Open the app, signed in:  http://127.0.0.1:$PORT/#key=$DEV_API_KEY
  API:             http://127.0.0.1:$PORT   (OpenAPI: http://127.0.0.1:$PORT/v1/openapi.json)
  media container: http://127.0.0.1:$MEDIA_PORT/health
  transcriber:     $TRANSCRIBER${TRANSCRIBER_URL:+ at $TRANSCRIBER_URL}
  DEV_API_KEY:     $DEV_API_KEY   (also in .dev.vars, with ADMIN_TOKEN)

Try:
  curl -s http://127.0.0.1:$PORT/v1/credits/balance -H "Authorization: Bearer $DEV_API_KEY"

Ctrl-C stops everything.
MSG
    wait -n "${pids[@]}" || true
    echo "dev: a process exited; stopping the rest"
    exit 1
  fi
  sleep 0.2
done
echo "dev: the stack did not come up within 60 s" >&2
exit 1
