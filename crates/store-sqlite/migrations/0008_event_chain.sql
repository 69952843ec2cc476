-- The audit chain: each event's SHA-256 over the hash before it and its
-- own content (see lazypm_store::chain). Events written before this
-- migration have none; the chain begins with the first event after it.
ALTER TABLE events ADD COLUMN hash TEXT;
