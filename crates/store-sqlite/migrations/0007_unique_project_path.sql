-- A folder is one project. The service looks before it registers; the
-- index makes the rule hold whatever the interleaving of writers.
DROP INDEX projects_path;
CREATE UNIQUE INDEX projects_path ON projects (path);
