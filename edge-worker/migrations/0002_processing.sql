-- Processing: what a job needs (its input, the speech chunks a transcription reads), where an
-- asset's derived files live (audio analysis, transcript), and one event per entity and type.

-- JSON: the input object of a media job, the chunks of a transcription job.
ALTER TABLE jobs ADD COLUMN payload_json TEXT;

-- The encoded audio analysis (roughcut_engine::analyze::stored) and the transcript (word list
-- JSON) in R2; `transcript_source` is 'provider' or 'user' (a user's transcript is never replaced
-- by automatic transcription).
ALTER TABLE assets ADD COLUMN analysis_key TEXT;
ALTER TABLE assets ADD COLUMN transcript_key TEXT;
ALTER TABLE assets ADD COLUMN transcript_source TEXT;
-- The audio proxy's duration once processed: the video's is checked against it when it lands.
ALTER TABLE assets ADD COLUMN proxy_duration_ms INTEGER;

-- A terminal event happens once per entity: recording it twice (a duplicate callback, a retried
-- settlement) is a no-op, so receivers see one event id.
CREATE UNIQUE INDEX events_once_per_entity ON events (entity_id, type);
-- The activation of unpaid assets by a top-up walks them oldest first.
CREATE INDEX jobs_by_state ON jobs (state, updated_at);
