-- Small facts about the store itself, such as how far events.jsonl is known
-- to be complete (see the service's audit repair).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
