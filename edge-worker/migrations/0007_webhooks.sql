-- Webhooks (API.md "Webhooks"). 0001 sketched their tables; no endpoint was ever stored, so both
-- are made again.
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;

CREATE TABLE webhook_endpoints (
  id               TEXT PRIMARY KEY,
  account_id       TEXT NOT NULL REFERENCES accounts(id),
  url              TEXT NOT NULL,
  description      TEXT,
  event_types_json TEXT NOT NULL,
  secret           TEXT NOT NULL,
  -- the secret before the last rotation signs beside the new one until it expires
  previous_secret  TEXT,
  previous_secret_expires_at INTEGER,
  disabled_at      INTEGER,
  -- 'by_user', 'gone' (it answered 410), 'failing' (5 days of failed deliveries)
  disabled_reason  TEXT,
  -- since when every attempt to it failed; a success ends the streak
  failing_since    INTEGER,
  created_at       INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_by_account ON webhook_endpoints (account_id, created_at DESC, id DESC);

-- One row per attempt. A first attempt is stored once per endpoint and event (the unique key makes
-- a second fan-out of the same event a no-op); later attempts are numbered after the last.
CREATE TABLE webhook_deliveries (
  id               TEXT PRIMARY KEY,
  endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id         TEXT NOT NULL REFERENCES events(id),
  type             TEXT NOT NULL,
  attempt          INTEGER NOT NULL,
  -- the place in the retry schedule; NULL for a redelivery, which is not retried
  schedule_step    INTEGER,
  state            TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'succeeded', 'failed')),
  due_at           INTEGER NOT NULL,
  sent_at          INTEGER,
  status_code      INTEGER,
  error            TEXT,
  response_excerpt TEXT,
  next_retry_at    INTEGER,
  -- the marker of the batch that recorded the outcome: the batch's other statements (the
  -- endpoint's failing streak, the next attempt) hold only where it is theirs
  finished_by      TEXT,
  created_at       INTEGER NOT NULL,
  UNIQUE (endpoint_id, event_id, attempt)
);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
-- the sweep's search for attempts whose message or consumer was lost
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (state, due_at) WHERE state IN ('pending', 'sending');

-- Events still to be fanned out to endpoints. Those recorded before webhooks existed are not sent.
ALTER TABLE events ADD COLUMN fanned_out_at INTEGER;
UPDATE events SET fanned_out_at = created_at;
CREATE INDEX events_to_fan_out ON events (created_at) WHERE fanned_out_at IS NULL;
