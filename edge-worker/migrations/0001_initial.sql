-- The whole data model API.md names, laid down once so that later issues add columns rather than
-- redesign. Conventions:
-- * ids are prefixed opaque TEXT (acc_, prj_, ast_, …) whose first characters encode creation
--   time, so `ORDER BY created_at DESC, id DESC` is stable newest-first;
-- * times are INTEGER milliseconds since the Unix epoch (UTC), formatted as RFC 3339 at the edge;
-- * byte sizes are INTEGER but bound as JS numbers, exact up to 2^53 (50 GiB uploads fit; D1 has
--   no BigInt, see https://developers.cloudflare.com/d1/worker-api/#type-conversion);
-- * state transitions are guarded `UPDATE … WHERE state = ?` statements, since D1 has no
--   interactive transactions; multi-row writes go through one `batch()`.

CREATE TABLE accounts (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id            TEXT PRIMARY KEY,
  account_id    TEXT NOT NULL REFERENCES accounts(id),
  name          TEXT NOT NULL,
  prefix        TEXT NOT NULL,
  -- SHA-256 (hex) of the whole key; the key itself is never stored.
  key_hash      TEXT NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER,
  revoked_at    INTEGER
);
CREATE INDEX api_keys_by_account ON api_keys (account_id, created_at, id);

CREATE TABLE projects (
  id          TEXT PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts(id),
  name        TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('active', 'archived')),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX projects_by_account ON projects (account_id, created_at DESC, id DESC);

CREATE TABLE assets (
  id                 TEXT PRIMARY KEY,
  account_id         TEXT NOT NULL REFERENCES accounts(id),
  project_id         TEXT REFERENCES projects(id),
  -- video | audio | cut_file | rendered_video; NULL until the first chunk is sniffed.
  type               TEXT,
  state              TEXT NOT NULL CHECK (state IN
                       ('pending_upload', 'processing', 'pending_payment', 'ready', 'failed', 'deleted')),
  -- the state to return to on restore
  state_before_delete TEXT,
  cuttable           INTEGER NOT NULL DEFAULT 0,
  filename           TEXT,
  extension          TEXT,
  content_type       TEXT,
  language           TEXT,
  size_bytes         INTEGER,
  duration_ms        INTEGER,
  -- probe result (container, tracks, codecs) as JSON
  media_json         TEXT,
  object_key         TEXT,
  -- the audio-proxy upload of a video asset, and the asset a generated asset came from
  proxy_upload_id    TEXT,
  source_asset_id    TEXT REFERENCES assets(id),
  error_code         TEXT,
  error_message      TEXT,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  deleted_at         INTEGER
);
CREATE INDEX assets_by_account ON assets (account_id, created_at DESC, id DESC);
CREATE INDEX assets_by_project ON assets (project_id, state);
CREATE INDEX assets_pending_payment ON assets (account_id, created_at) WHERE state = 'pending_payment';

CREATE TABLE uploads (
  id               TEXT PRIMARY KEY,
  account_id       TEXT NOT NULL REFERENCES accounts(id),
  asset_id         TEXT NOT NULL REFERENCES assets(id),
  -- source | audio_proxy
  purpose          TEXT NOT NULL CHECK (purpose IN ('source', 'audio_proxy')),
  state            TEXT NOT NULL CHECK (state IN ('open', 'completed', 'terminated', 'expired')),
  upload_length    INTEGER NOT NULL,
  upload_offset    INTEGER NOT NULL DEFAULT 0,
  metadata_json    TEXT,
  object_key       TEXT NOT NULL,
  r2_upload_id     TEXT,
  created_at       INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  completed_at     INTEGER
);
CREATE INDEX uploads_by_asset ON uploads (asset_id);
CREATE INDEX uploads_expiring ON uploads (expires_at) WHERE state = 'open';

CREATE TABLE cuts (
  id              TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL REFERENCES accounts(id),
  asset_id        TEXT NOT NULL REFERENCES assets(id),
  -- SHA-256 over (asset, script, resolved options): the idempotency key of POST /v1/cuts
  signature       TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'processing', 'completed', 'failed')),
  script          TEXT,
  options_json    TEXT NOT NULL,
  -- the plan inline when it fits a row, else in R2 under plan_object_key
  plan_json       TEXT,
  plan_object_key TEXT,
  kept_duration_ms   INTEGER,
  source_duration_ms INTEGER,
  srt_asset_id    TEXT REFERENCES assets(id),
  error_code      TEXT,
  error_message   TEXT,
  created_at      INTEGER NOT NULL,
  started_at      INTEGER,
  completed_at    INTEGER,
  deleted_at      INTEGER
);
CREATE INDEX cuts_by_account ON cuts (account_id, created_at DESC, id DESC);
CREATE INDEX cuts_by_asset ON cuts (asset_id, signature);

CREATE TABLE renders (
  id              TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL REFERENCES accounts(id),
  asset_id        TEXT NOT NULL REFERENCES assets(id),
  cut_id          TEXT REFERENCES cuts(id),
  -- SHA-256 over (asset, cut, output): the idempotency key of POST /v1/renders
  signature       TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'processing', 'completed', 'failed')),
  output_json     TEXT NOT NULL,
  progress        REAL NOT NULL DEFAULT 0,
  size_bytes      INTEGER,
  duration_ms     INTEGER,
  object_key      TEXT,
  output_asset_id TEXT REFERENCES assets(id),
  error_code      TEXT,
  error_message   TEXT,
  created_at      INTEGER NOT NULL,
  started_at      INTEGER,
  completed_at    INTEGER
);
CREATE INDEX renders_by_account ON renders (account_id, created_at DESC, id DESC);
CREATE INDEX renders_by_asset ON renders (asset_id, signature);

CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,
  account_id       TEXT NOT NULL REFERENCES accounts(id),
  -- process_asset | plan_cut | render | …
  kind             TEXT NOT NULL,
  subject_id       TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  attempt          INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL DEFAULT 5,
  lease_expires_at INTEGER,
  heartbeat_at     INTEGER,
  progress         REAL,
  error_code       TEXT,
  error_message    TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
CREATE INDEX jobs_by_subject ON jobs (subject_id, kind);
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE state = 'running';

-- Credits. The ledger is append-only (triggers below): balance, reserved and available are sums
-- over it, never stored. available = SUM(delta) over every entry; balance leaves out holds and
-- releases; reserved = −SUM(delta) over holds and releases (a hold is −N, its release +N).
CREATE TABLE ledger_entries (
  id           TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts(id),
  type         TEXT NOT NULL CHECK (type IN
                 ('topup', 'consume_asset', 'hold', 'release', 'refund', 'adjustment', 'expiry')),
  delta        INTEGER NOT NULL CHECK (delta <> 0),
  asset_id     TEXT,
  pipeline_id  TEXT,
  hold_id      TEXT REFERENCES holds(id),
  memo         TEXT,
  created_at   INTEGER NOT NULL
);
CREATE INDEX ledger_by_account ON ledger_entries (account_id, created_at DESC, id DESC);
-- One charge per asset, however many times processing finishes (race-proof by construction).
CREATE UNIQUE INDEX ledger_one_consume_per_asset ON ledger_entries (asset_id) WHERE type = 'consume_asset';
-- A hold is released once.
CREATE UNIQUE INDEX ledger_one_release_per_hold ON ledger_entries (hold_id) WHERE type = 'release';

CREATE TRIGGER ledger_entries_append_only_update BEFORE UPDATE ON ledger_entries
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
CREATE TRIGGER ledger_entries_append_only_delete BEFORE DELETE ON ledger_entries
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;

-- A reservation of credits (a pipeline's quote). Its amount lives in the ledger as a `hold`
-- entry and, once used or abandoned, a `release` entry; this row names what it is for.
CREATE TABLE holds (
  id           TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts(id),
  pipeline_id  TEXT,
  amount       INTEGER NOT NULL CHECK (amount > 0),
  created_at   INTEGER NOT NULL
);
CREATE INDEX holds_by_account ON holds (account_id);

CREATE TABLE pipelines (
  id               TEXT PRIMARY KEY,
  account_id       TEXT NOT NULL REFERENCES accounts(id),
  input_asset_id   TEXT NOT NULL REFERENCES assets(id),
  state            TEXT NOT NULL CHECK (state IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')),
  hold_id          TEXT REFERENCES holds(id),
  credits_reserved INTEGER NOT NULL DEFAULT 0,
  credits_consumed INTEGER NOT NULL DEFAULT 0,
  error_code       TEXT,
  error_message    TEXT,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  completed_at     INTEGER
);
CREATE INDEX pipelines_by_account ON pipelines (account_id, created_at DESC, id DESC);

CREATE TABLE pipeline_steps (
  id               TEXT PRIMARY KEY,
  pipeline_id      TEXT NOT NULL REFERENCES pipelines(id),
  step_order       INTEGER NOT NULL,
  processor_name   TEXT NOT NULL CHECK (processor_name IN ('cut', 'render')),
  config_json      TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED')),
  cut_id           TEXT REFERENCES cuts(id),
  render_id        TEXT REFERENCES renders(id),
  output_asset_id  TEXT REFERENCES assets(id),
  error_code       TEXT,
  error_message    TEXT,
  started_at       INTEGER,
  completed_at     INTEGER,
  UNIQUE (pipeline_id, step_order)
);

-- Terminal events, recorded whether or not any endpoint listens; one id per event so that
-- receivers can dedupe.
CREATE TABLE events (
  id          TEXT PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts(id),
  type        TEXT NOT NULL,
  entity_id   TEXT NOT NULL,
  asset_id    TEXT,
  data_json   TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX events_by_account ON events (account_id, created_at DESC, id DESC);

CREATE TABLE webhook_endpoints (
  id           TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts(id),
  url          TEXT NOT NULL,
  description  TEXT,
  event_types_json TEXT NOT NULL,
  secret       TEXT NOT NULL,
  disabled_at  INTEGER,
  created_at   INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_by_account ON webhook_endpoints (account_id, created_at DESC, id DESC);

CREATE TABLE webhook_deliveries (
  id            TEXT PRIMARY KEY,
  endpoint_id   TEXT NOT NULL REFERENCES webhook_endpoints(id),
  event_id      TEXT NOT NULL REFERENCES events(id),
  type          TEXT NOT NULL,
  attempt       INTEGER NOT NULL,
  status_code   INTEGER,
  error         TEXT,
  created_at    INTEGER NOT NULL,
  next_retry_at INTEGER
);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_retry_at) WHERE next_retry_at IS NOT NULL;
