-- `Idempotency-Key` on POST (API.md): a replay with the same key, account and request within 24 h
-- returns the first answer. A row is claimed before its request runs (`status` NULL until then),
-- so two racing requests with one key run once.
CREATE TABLE idempotency_keys (
  account_id    TEXT NOT NULL REFERENCES accounts(id),
  idempotency_key TEXT NOT NULL,
  -- SHA-256 of the method, path, query and body
  request_hash  TEXT NOT NULL,
  status        INTEGER,
  content_type  TEXT,
  location      TEXT,
  body          TEXT,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (account_id, idempotency_key)
);
-- the sweep forgets keys past their 24 hours
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
