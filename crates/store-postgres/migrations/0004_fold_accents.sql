-- Search folds accents, as SQLite's tokenizer does: `cafe` finds `café`
-- and `café` finds `cafe`. Words with letters outside ASCII (the parser's
-- word, hword and hword_part tokens) go through the `unaccent` dictionary
-- before English stemming; `ts_headline` then marks `café` for `cafe` too.
--
-- `unaccent` ships with PostgreSQL's contrib modules and is a trusted
-- extension. It is installed once per database, in `public`, never in a
-- store's own schema: dropping one store must not take the dictionary from
-- the others. Where it is missing and cannot be installed (a server without
-- the contrib modules, a role that may not create it), search keeps working
-- without folding; this migration still counts as applied and is not tried
-- again. To fold there later: install `unaccent`, run the ALTER and the
-- UPDATE below in the store's schema.
DO $$
DECLARE
    home TEXT;
BEGIN
    -- Stores of one database migrate side by side: one installs, the
    -- others wait here and then find it installed.
    PERFORM pg_advisory_xact_lock(hashtext('lazypm unaccent'));
    SELECT n.nspname INTO home
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'unaccent';
    IF home IS NULL THEN
        BEGIN
            CREATE EXTENSION unaccent SCHEMA public;
            home := 'public';
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'lazypm: search will not fold accents: %', SQLERRM;
            RETURN;
        END;
    END IF;
    EXECUTE format(
        'ALTER TEXT SEARCH CONFIGURATION lazypm_english '
        'ALTER MAPPING FOR word, hword, hword_part WITH %I.unaccent, lazypm_stem',
        home);
    -- Issues written before: their text again, through the new mapping
    -- (the triggers' own expression, comments included).
    UPDATE issues SET search =
        setweight(to_tsvector('lazypm_english', title), 'A') ||
        setweight(to_tsvector('lazypm_english', issue_search_body(specification)), 'B') ||
        setweight(to_tsvector('lazypm_english', issue_search_comments(id)), 'C');
END
$$;
