-- Idempotent POST /v1/cuts and POST /v1/renders under concurrency: the worker looks a signature up
-- before it inserts, and D1 gives two concurrent requests no order, so the schema itself keeps one
-- live cut per asset and signature and one live render per account and signature (failed ones
-- may be retried, deleted cuts are kept for restores). An insert that loses the race is ignored
-- and the request answers with the winner.

-- Duplicates an earlier race may have made: the oldest stays, the others are retired (cuts are
-- soft-deleted, renders failed) so that the indexes can be built.
UPDATE cuts SET deleted_at = created_at
WHERE deleted_at IS NULL AND state <> 'failed' AND EXISTS (
  SELECT 1 FROM cuts older
  WHERE older.asset_id = cuts.asset_id AND older.signature = cuts.signature
    AND older.deleted_at IS NULL AND older.state <> 'failed'
    AND (older.created_at < cuts.created_at OR (older.created_at = cuts.created_at AND older.id < cuts.id))
);
UPDATE renders SET state = 'failed', error_code = 'duplicate', error_message = 'A duplicate of an earlier render.'
WHERE state <> 'failed' AND EXISTS (
  SELECT 1 FROM renders older
  WHERE older.account_id = renders.account_id AND older.signature = renders.signature
    AND older.state <> 'failed'
    AND (older.created_at < renders.created_at OR (older.created_at = renders.created_at AND older.id < renders.id))
);

CREATE UNIQUE INDEX cuts_one_live_per_signature ON cuts (asset_id, signature)
  WHERE deleted_at IS NULL AND state <> 'failed';
CREATE UNIQUE INDEX renders_one_live_per_signature ON renders (account_id, signature) WHERE state <> 'failed';
