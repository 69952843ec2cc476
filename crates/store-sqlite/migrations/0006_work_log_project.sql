-- Work logs carry their issue's project, so time logged in a project over a
-- window is summed from an index instead of looking up every log's issue.
-- An issue never changes project, so the copy cannot go stale.
ALTER TABLE work_logs ADD COLUMN project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE;
UPDATE work_logs SET project_id = (SELECT i.project_id FROM issues i WHERE i.id = work_logs.issue_id);
CREATE INDEX work_logs_project_time ON work_logs (project_id, logged_at, minutes);
CREATE INDEX work_logs_project_author ON work_logs (project_id, author, logged_at, minutes);
