-- A replay repeats every header that says what the first request made, not only its Content-Type
-- and Location: a TUS creation's Upload-Offset, Upload-Expires and Roughcut-Asset-Id too (a
-- client resuming a creation-with-upload reads its offset there). A JSON array of
-- [name, value] pairs; NULL for none.
ALTER TABLE idempotency_keys ADD COLUMN headers_json TEXT;
