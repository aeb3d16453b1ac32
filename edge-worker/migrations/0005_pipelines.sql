-- Pipelines run (seed 000). 0001 sketched their tables; running them needs more, and no pipeline
-- was ever stored, so the steps table is made again rather than altered.
--
-- A pipeline changes by compare-and-swap on its `version`: the worker reads it with its steps,
-- decides the change in Rust, and writes it back only if nobody changed it meanwhile. That write
-- stamps a fresh `transition` marker, and the other statements of its batch (the steps, the release
-- of the hold, the events) are conditioned on that marker, so they apply exactly when the swap did.
-- A redelivered message or a duplicate report loses the swap and changes nothing.

ALTER TABLE pipelines ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pipelines ADD COLUMN transition TEXT;

DROP TABLE pipeline_steps;
CREATE TABLE pipeline_steps (
  id               TEXT PRIMARY KEY,
  pipeline_id      TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
  step_order       INTEGER NOT NULL,
  processor_name   TEXT NOT NULL CHECK (processor_name IN ('cut', 'render')),
  config_json      TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED')),
  -- how many times the step was started (a retry runs it again)
  run              INTEGER NOT NULL DEFAULT 0,
  -- a deleted cut or render leaves the step naming nothing, not a dangling id
  cut_id           TEXT REFERENCES cuts(id) ON DELETE SET NULL,
  render_id        TEXT REFERENCES renders(id) ON DELETE SET NULL,
  output_asset_id  TEXT REFERENCES assets(id) ON DELETE SET NULL,
  error_code       TEXT,
  error_message    TEXT,
  started_at       INTEGER,
  completed_at     INTEGER,
  UNIQUE (pipeline_id, step_order)
);
CREATE INDEX pipeline_steps_by_cut ON pipeline_steps (cut_id) WHERE cut_id IS NOT NULL;
CREATE INDEX pipeline_steps_by_render ON pipeline_steps (render_id) WHERE render_id IS NOT NULL;

-- What a pipeline's Server-Sent Events replay: every state change in order. `seq` is the SSE
-- event id (increasing across all pipelines, so a pipeline's own ids increase too).
CREATE TABLE pipeline_events (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  pipeline_id  TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
  type         TEXT NOT NULL CHECK (type IN ('pipeline.state', 'step.state', 'step.progress')),
  data_json    TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX pipeline_events_by_pipeline ON pipeline_events (pipeline_id, seq);

CREATE INDEX holds_by_pipeline ON holds (pipeline_id);
-- A pipeline reads its hold's entries by the hold's id.
CREATE INDEX ledger_by_hold ON ledger_entries (hold_id) WHERE hold_id IS NOT NULL;
