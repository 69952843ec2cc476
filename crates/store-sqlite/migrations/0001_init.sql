-- lazypm's SQLite schema. Timestamps are UTC text in one fixed format
-- (YYYY-MM-DDTHH:MM:SS.ffffffZ), so text order is time order.
-- Rich content lives in JSON documents; what is filtered or sorted has a column.

CREATE TABLE projects (
    id                INTEGER PRIMARY KEY,
    key               TEXT NOT NULL UNIQUE,
    slug              TEXT NOT NULL,
    name              TEXT NOT NULL,
    path              TEXT NOT NULL,
    metadata          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    next_issue_number INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX projects_path ON projects (path);

CREATE TABLE issues (
    id                 INTEGER PRIMARY KEY,
    project_id         INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key                TEXT NOT NULL UNIQUE,
    title              TEXT NOT NULL,
    type               TEXT NOT NULL,
    status             TEXT NOT NULL,
    priority           TEXT NOT NULL,
    module             TEXT,
    owner              TEXT,
    parent_id          INTEGER REFERENCES issues (id) ON DELETE SET NULL,
    labels             TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(labels)),
    effort             TEXT,
    estimate_hours     REAL,
    story_points       INTEGER,
    complexity         TEXT,
    blocker_reason     TEXT,
    branch             TEXT,
    time_spent_minutes INTEGER NOT NULL DEFAULT 0,
    archived           INTEGER NOT NULL DEFAULT 0,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    started_at         TEXT,
    completed_at       TEXT,
    specification      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(specification)),
    planning           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(planning)),
    implementation     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(implementation)),
    communication      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(communication)),
    analytics          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(analytics))
);
-- List pages: filter by project/archived/(status), keyset on (sort value, id).
CREATE INDEX issues_status_priority ON issues (project_id, archived, status, priority, id);
CREATE INDEX issues_priority ON issues (project_id, archived, priority, id);
CREATE INDEX issues_updated ON issues (project_id, archived, updated_at, id);
CREATE INDEX issues_created ON issues (project_id, archived, created_at, id);
CREATE INDEX issues_type ON issues (project_id, type);
CREATE INDEX issues_module ON issues (project_id, module);
CREATE INDEX issues_owner ON issues (owner, status);
CREATE INDEX issues_parent ON issues (parent_id);
CREATE INDEX issues_branch ON issues (branch);
CREATE INDEX issues_completed ON issues (project_id, completed_at);

CREATE TABLE issue_labels (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    label    TEXT NOT NULL,
    PRIMARY KEY (issue_id, label)
) WITHOUT ROWID;
CREATE INDEX issue_labels_label ON issue_labels (label, issue_id);

CREATE TABLE tasks (
    id               INTEGER PRIMARY KEY,
    issue_id         INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    number           INTEGER NOT NULL,
    title            TEXT NOT NULL,
    status           TEXT NOT NULL,
    assignee         TEXT,
    details          TEXT,
    checklist        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(checklist)),
    notes            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(notes)),
    estimate_minutes INTEGER,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (issue_id, number)
);
CREATE INDEX tasks_assignee ON tasks (assignee, status);

CREATE TABLE work_logs (
    id        INTEGER PRIMARY KEY,
    issue_id  INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    task_id   INTEGER REFERENCES tasks (id) ON DELETE SET NULL,
    author    TEXT NOT NULL,
    activity  TEXT NOT NULL,
    summary   TEXT NOT NULL,
    details   TEXT,
    artifacts TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(artifacts)),
    blockers  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(blockers)),
    decisions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(decisions)),
    minutes   INTEGER NOT NULL DEFAULT 0,
    logged_at TEXT NOT NULL
);
CREATE INDEX work_logs_issue ON work_logs (issue_id, logged_at);
CREATE INDEX work_logs_time ON work_logs (logged_at);
CREATE INDEX work_logs_author ON work_logs (author, logged_at);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX comments_issue ON comments (issue_id, created_at);

-- from_id blocks / relates to / duplicates / was discovered from to_id.
CREATE TABLE dependencies (
    from_id    INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    to_id      INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (from_id, to_id, kind),
    CHECK (from_id <> to_id)
) WITHOUT ROWID;
CREATE INDEX dependencies_to ON dependencies (to_id, kind, from_id);

CREATE TABLE sprints (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    goal       TEXT,
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE sprint_issues (
    sprint_id INTEGER NOT NULL REFERENCES sprints (id) ON DELETE CASCADE,
    issue_id  INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    added_at  TEXT NOT NULL,
    PRIMARY KEY (sprint_id, issue_id)
) WITHOUT ROWID;
CREATE INDEX sprint_issues_issue ON sprint_issues (issue_id);

-- The audit trail. No foreign keys: events outlive what they describe.
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    type      TEXT NOT NULL,
    project   TEXT,
    entity    TEXT NOT NULL,
    issue_key TEXT,
    changes   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(changes))
);
CREATE INDEX events_issue ON events (issue_key, seq);
CREATE INDEX events_project ON events (project, seq);

-- Full-text search over an issue's words; rowid = issues.id.
CREATE VIRTUAL TABLE issue_fts USING fts5 (
    title, body, comments,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER issues_fts_insert AFTER INSERT ON issues BEGIN
    INSERT INTO issue_fts (rowid, title, body, comments)
    VALUES (
        new.id,
        new.title,
        coalesce(json_extract(new.specification, '$.description'), '') || char(10) ||
        coalesce((SELECT group_concat(value, char(10)) FROM json_each(new.specification, '$.acceptance_criteria')), '') || char(10) ||
        coalesce(json_extract(new.specification, '$.technical_approach'), ''),
        ''
    );
END;

CREATE TRIGGER issues_fts_update AFTER UPDATE OF title, specification ON issues
WHEN old.title IS NOT new.title OR old.specification IS NOT new.specification BEGIN
    UPDATE issue_fts SET
        title = new.title,
        body =
            coalesce(json_extract(new.specification, '$.description'), '') || char(10) ||
            coalesce((SELECT group_concat(value, char(10)) FROM json_each(new.specification, '$.acceptance_criteria')), '') || char(10) ||
            coalesce(json_extract(new.specification, '$.technical_approach'), '')
    WHERE rowid = new.id;
END;

CREATE TRIGGER issues_fts_delete AFTER DELETE ON issues BEGIN
    DELETE FROM issue_fts WHERE rowid = old.id;
END;

CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
    UPDATE issue_fts SET comments = comments || char(10) || new.body WHERE rowid = new.issue_id;
END;

-- issue_labels mirrors issues.labels so label filters use an index.
CREATE TRIGGER issues_labels_insert AFTER INSERT ON issues WHEN new.labels <> '[]' BEGIN
    INSERT OR IGNORE INTO issue_labels (issue_id, label) SELECT new.id, value FROM json_each(new.labels);
END;

CREATE TRIGGER issues_labels_update AFTER UPDATE OF labels ON issues
WHEN old.labels IS NOT new.labels BEGIN
    DELETE FROM issue_labels WHERE issue_id = new.id;
    INSERT OR IGNORE INTO issue_labels (issue_id, label) SELECT new.id, value FROM json_each(new.labels);
END;
