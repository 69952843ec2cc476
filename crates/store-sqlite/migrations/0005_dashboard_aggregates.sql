-- What the dashboard reads on every refresh, made cheap to read.

-- Lookups of an issue's project, archived flag and status by id, answered from
-- this small index instead of the issue row (which carries the rich content
-- and spans several pages): counting issues that wait on open blockers walks
-- the blocks links and looks up both ends; summing time logged walks the
-- work logs and looks up each one's project. Queries name it with INDEXED BY,
-- since SQLite otherwise prefers the rowid for `id = ?`.
CREATE INDEX issues_by_id ON issues (id, project_id, archived, status);

-- Issue counts per project and (archived, status, priority, type, module),
-- kept by the triggers below in the same transaction as the change, so
-- counting a project's issues reads a few hundred rows instead of every
-- issue. `module` is '' for issues without one.
CREATE TABLE issue_counts (
    project_id INTEGER NOT NULL,
    archived   INTEGER NOT NULL,
    status     TEXT NOT NULL,
    priority   TEXT NOT NULL,
    type       TEXT NOT NULL,
    module     TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (project_id, archived, status, priority, type, module)
) WITHOUT ROWID;

INSERT INTO issue_counts (project_id, archived, status, priority, type, module, n)
SELECT project_id, archived, status, priority, type, coalesce(module, ''), count(*)
FROM issues GROUP BY project_id, archived, status, priority, type, coalesce(module, '');

CREATE TRIGGER issue_counts_insert AFTER INSERT ON issues BEGIN
    INSERT INTO issue_counts (project_id, archived, status, priority, type, module, n)
    VALUES (new.project_id, new.archived, new.status, new.priority, new.type,
            coalesce(new.module, ''), 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER issue_counts_delete AFTER DELETE ON issues BEGIN
    UPDATE issue_counts SET n = n - 1
    WHERE project_id = old.project_id AND archived = old.archived AND status = old.status
      AND priority = old.priority AND type = old.type AND module = coalesce(old.module, '');
    DELETE FROM issue_counts
    WHERE project_id = old.project_id AND archived = old.archived AND status = old.status
      AND priority = old.priority AND type = old.type AND module = coalesce(old.module, '')
      AND n <= 0;
END;

CREATE TRIGGER issue_counts_update
AFTER UPDATE OF project_id, archived, status, priority, type, module ON issues
WHEN old.project_id IS NOT new.project_id OR old.archived IS NOT new.archived
  OR old.status IS NOT new.status OR old.priority IS NOT new.priority
  OR old.type IS NOT new.type OR old.module IS NOT new.module
BEGIN
    UPDATE issue_counts SET n = n - 1
    WHERE project_id = old.project_id AND archived = old.archived AND status = old.status
      AND priority = old.priority AND type = old.type AND module = coalesce(old.module, '');
    DELETE FROM issue_counts
    WHERE project_id = old.project_id AND archived = old.archived AND status = old.status
      AND priority = old.priority AND type = old.type AND module = coalesce(old.module, '')
      AND n <= 0;
    INSERT INTO issue_counts (project_id, archived, status, priority, type, module, n)
    VALUES (new.project_id, new.archived, new.status, new.priority, new.type,
            coalesce(new.module, ''), 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
