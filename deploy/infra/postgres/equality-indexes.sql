-- Lets FerretDB's equality queries use an index. Run by deploy/infra/infra.sh on the
-- 'ferretdb' database each time PostgreSQL starts; safe to run again.
--
-- FerretDB 1.24 hands an equality on a top-level field (`_id` included) to PostgreSQL as
-- `WHERE _jsonb->$1 @> $2`, and for every MongoDB index it creates a b-tree index on
-- `_jsonb->'field'`. `@>` is not a b-tree operator, so PostgreSQL cannot use those indexes
-- and scans the whole table for each such query: a stream read, a document lookup by `_id`.
-- For each b-tree index FerretDB creates, this adds a GIN index on each of its
-- `_jsonb->'field'` expressions, which serves `@>`. PostgreSQL plans each execution with its
-- parameters (a custom plan), so `_jsonb->'streamId' @> '"x"'` matches the GIN index.
-- Results do not change: an index is only a way to find rows, and FerretDB lists a
-- collection's indexes from its own metadata, not from PostgreSQL's, so clients never see it.

SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION demarche_equality_indexes(index_oid oid) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  idx record;
  col integer;
  expr text;
  made integer := 0;
BEGIN
  SELECT i.indrelid::regclass::text AS tbl, c.relname AS name, i.indnkeyatts AS keys, am.amname AS method
    INTO idx
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
   WHERE i.indexrelid = index_oid;
  IF NOT FOUND OR idx.method <> 'btree' THEN
    RETURN 0;
  END IF;
  FOR col IN 1..idx.keys LOOP
    expr := pg_get_indexdef(index_oid, col, false);
    -- Only a top-level field, as FerretDB hands down no other equality.
    IF expr ~ '^\(\(_jsonb -> ''[^'']+''::text\)\)$' THEN
      EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin (%s)', left(idx.name, 56) || '_gin' || col, idx.tbl, expr);
      made := made + 1;
    END IF;
  END LOOP;
  RETURN made;
END
$$;

CREATE OR REPLACE FUNCTION demarche_equality_indexes_on_create() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
    PERFORM demarche_equality_indexes(r.objid);
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS demarche_equality_indexes;
CREATE EVENT TRIGGER demarche_equality_indexes ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION demarche_equality_indexes_on_create();

-- The indexes FerretDB made before this script first ran.
SELECT coalesce(sum(demarche_equality_indexes(i.indexrelid)), 0) AS equality_indexes_checked
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_am am ON am.oid = c.relam
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE am.amname = 'btree' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast');
