"""PostgreSQL only: the audit trail cannot be changed or deleted, whatever the application does.

A row-level trigger refuses UPDATE and DELETE on appeals_appealevent. TRUNCATE (used only by
test-database flushes and an explicit dataset reset) is not a row operation and is not affected.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION appeals_event_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on appeals_appealevent is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS appeals_event_immutable ON appeals_appealevent;
CREATE TRIGGER appeals_event_immutable
    BEFORE UPDATE OR DELETE ON appeals_appealevent
    FOR EACH ROW EXECUTE FUNCTION appeals_event_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS appeals_event_immutable ON appeals_appealevent;
DROP FUNCTION IF EXISTS appeals_event_immutable();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0002_postgres_search")]

    operations = [migrations.RunPython(forward, backward)]
