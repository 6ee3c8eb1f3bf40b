"""Make the ledger append-only in the database too (PostgreSQL only).

The models refuse updates and deletes already; these triggers also stop raw SQL, a
shell session or another program. Published policy versions are frozen the same way.
On SQLite (local development) the migration does nothing.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION consents_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER consents_consentevent_append_only
    BEFORE UPDATE OR DELETE ON consents_consentevent
    FOR EACH ROW EXECUTE FUNCTION consents_refuse_change();

CREATE TRIGGER consents_consentwording_append_only
    BEFORE UPDATE OR DELETE ON consents_consentwording
    FOR EACH ROW EXECUTE FUNCTION consents_refuse_change();

CREATE TRIGGER consents_policyversion_published_frozen
    BEFORE UPDATE OR DELETE ON consents_policyversion
    FOR EACH ROW WHEN (OLD.published_at IS NOT NULL)
    EXECUTE FUNCTION consents_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS consents_policyversion_published_frozen ON consents_policyversion;
DROP TRIGGER IF EXISTS consents_consentwording_append_only ON consents_consentwording;
DROP TRIGGER IF EXISTS consents_consentevent_append_only ON consents_consentevent;
DROP FUNCTION IF EXISTS consents_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("consents", "0002_seed_purposes")]

    operations = [migrations.RunPython(forward, backward)]
