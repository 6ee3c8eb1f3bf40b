"""The database's part of the legal records' protection (PostgreSQL only; issue 9 §2).

- ``ledger_refuse_change()``: the trigger function of every legal table. It refuses
  ``UPDATE``, ``DELETE`` and ``TRUNCATE``, except for the tables' owner (or a superuser)
  in two cases: ``TRUNCATE`` with ``homeshop.ledger_flush = on`` (the test suite's flush)
  and the ``UPDATE`` made inside ``ledger_erase_personal``.
- ``homeshop_privacy_ledgererasable``: which evidence columns of which table may be blanked.
- ``ledger_erase_personal(table, id, columns, reason)``: ``SECURITY DEFINER`` (runs as the
  owner); blanks the named columns of one row, forgets their salts in ``chain_evidence``
  and logs the erasure. ``EXECUTE`` is revoked from ``PUBLIC``; ``db_grant_app_role``
  grants it to the application role.
- The access log (1.5), the erasure log and the published heads become append-only.

On SQLite (local development) this does nothing.
"""

from django.db import migrations

from homeshop_privacy.append_only import protect_sql, unprotect_sql

TABLES = (
    "homeshop_privacy_personaldataaccess",
    "homeshop_privacy_ledgererasure",
    "homeshop_privacy_ledgerpublication",
    "homeshop_privacy_ledgererasable",
)

FORWARD = r"""
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    is_owner boolean;
BEGIN
    SELECT pg_has_role(current_user, c.relowner, 'USAGE') INTO is_owner
        FROM pg_class c WHERE c.oid = TG_RELID;
    IF is_owner THEN
        IF TG_OP = 'TRUNCATE' THEN
            IF current_setting('homeshop.ledger_flush', true) = 'on' THEN
                RETURN NULL;
            END IF;
        ELSIF TG_OP = 'UPDATE' THEN
            IF current_setting('homeshop.ledger_erasing', true) = TG_TABLE_NAME THEN
                RETURN NEW;
            END IF;
        END IF;
    END IF;
    RAISE EXCEPTION '% rows are append-only legal records: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TABLE IF NOT EXISTS homeshop_privacy_ledgererasable (
    table_name varchar(63) NOT NULL,
    column_name varchar(63) NOT NULL,
    PRIMARY KEY (table_name, column_name)
);

CREATE OR REPLACE FUNCTION ledger_erase_personal(
    p_table text, p_id bigint, p_columns text[], p_reason text
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    rel regclass;
    pk_column text;
    col text;
    nullable boolean;
    assignments text[] := '{}';
    evidence jsonb;
    changed integer;
    log_id bigint;
BEGIN
    IF p_reason IS NULL OR btrim(p_reason) = '' THEN
        RAISE EXCEPTION 'ledger_erase_personal: give the reason'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_columns IS NULL OR cardinality(p_columns) = 0 THEN
        RAISE EXCEPTION 'ledger_erase_personal: name the columns'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH col IN ARRAY p_columns LOOP
        IF NOT EXISTS (
            SELECT 1 FROM public.homeshop_privacy_ledgererasable e
            WHERE e.table_name = p_table AND e.column_name = col
        ) THEN
            RAISE EXCEPTION 'ledger_erase_personal: %.% is not erasable evidence', p_table, col
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
    rel := format('public.%I', p_table)::regclass;
    SELECT a.attname INTO pk_column
        FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = rel AND i.indisprimary;
    FOREACH col IN ARRAY p_columns LOOP
        SELECT NOT a.attnotnull INTO nullable FROM pg_attribute a
            WHERE a.attrelid = rel AND a.attname = col AND NOT a.attisdropped;
        assignments := assignments
            || format('%I = %s', col, CASE WHEN nullable THEN 'NULL' ELSE '''''' END);
    END LOOP;
    IF EXISTS (
        SELECT 1 FROM pg_attribute a
        WHERE a.attrelid = rel AND a.attname = 'chain_evidence' AND NOT a.attisdropped
    ) THEN
        EXECUTE format('SELECT chain_evidence FROM %s WHERE %I = $1', rel, pk_column)
            INTO evidence USING p_id;
        -- Forget the salts (the digests stay in the hash): the erased value cannot be
        -- found again by trying candidates against its digest.
        FOREACH col IN ARRAY p_columns LOOP
            IF evidence ? col THEN
                evidence := jsonb_set(
                    evidence, ARRAY[col], to_jsonb(':' || split_part(evidence ->> col, ':', 2))
                );
            END IF;
        END LOOP;
        IF evidence IS NOT NULL THEN
            assignments := assignments || format('chain_evidence = %L::jsonb', evidence);
        END IF;
    END IF;
    PERFORM set_config('homeshop.ledger_erasing', p_table, true);
    EXECUTE format(
        'UPDATE %s SET %s WHERE %I = $1', rel, array_to_string(assignments, ', '), pk_column
    ) USING p_id;
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM set_config('homeshop.ledger_erasing', '', true);
    IF changed <> 1 THEN
        RAISE EXCEPTION 'ledger_erase_personal: no row % in %', p_id, p_table
            USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO public.homeshop_privacy_ledgererasure
        (erased_at, table_name, row_id, columns, reason, database_role)
        VALUES (now(), p_table, p_id, to_jsonb(p_columns), left(p_reason, 255), session_user)
        RETURNING id INTO log_id;
    RETURN log_id;
END;
$$;

REVOKE ALL ON FUNCTION ledger_erase_personal(text, bigint, text[], text) FROM PUBLIC;
""" + "".join(protect_sql(table) for table in TABLES)

BACKWARD = (
    "".join(unprotect_sql(table) for table in TABLES)
    + """
DROP FUNCTION IF EXISTS ledger_erase_personal(text, bigint, text[], text);
DROP TABLE IF EXISTS homeshop_privacy_ledgererasable;
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("homeshop_privacy", "0010_ledger_publication_and_erasure")]

    operations = [migrations.RunPython(forward, backward)]
