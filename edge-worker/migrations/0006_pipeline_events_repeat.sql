-- A pipeline can end more than once: one that failed, was retried and failed again sends a second
-- `pipeline.failed`. Its endings are made once each by the pipeline's compare-and-swap, so the
-- once-per-entity rule of 0002 stays for the entities whose events are recorded by idempotent
-- statements (assets, cuts, renders) and no longer covers pipelines, nor webhook test events (one
-- per test sent to an endpoint).
DROP INDEX events_once_per_entity;
CREATE UNIQUE INDEX events_once_per_entity ON events (entity_id, type)
  WHERE type NOT LIKE 'pipeline.%' AND type <> 'webhook.test';
