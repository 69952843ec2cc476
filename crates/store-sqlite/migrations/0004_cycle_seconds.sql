-- Active seconds from start to done (paused time left out), kept with each
-- done issue so the dashboard averages cycle times from an index instead of
-- decoding every completed issue's status history. NULL for issues that are
-- not done, and for issues completed before this column existed (readers
-- fall back to the history for those).
ALTER TABLE issues ADD COLUMN cycle_seconds INTEGER;
CREATE INDEX issues_completions ON issues (project_id, status, completed_at, cycle_seconds);
