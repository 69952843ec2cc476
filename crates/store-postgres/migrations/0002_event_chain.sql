-- The audit chain: each event's SHA-256 over the hash before it and its
-- own content (see lazypm_store::chain).
ALTER TABLE events ADD COLUMN hash TEXT;
