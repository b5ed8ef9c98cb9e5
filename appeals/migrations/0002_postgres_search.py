"""PostgreSQL only: a generated full-text document over number, applicant and subject, GIN-indexed.

Django does not know the column; appeals.selectors.appeals_search queries it on PostgreSQL and
falls back to substring matching elsewhere. On other databases this migration does nothing.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE appeals_appeal ADD COLUMN IF NOT EXISTS search_document tsvector
GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(number, '')), 'A')
    || setweight(to_tsvector('russian'::regconfig, coalesce(subject, '')), 'A')
    || setweight(to_tsvector('simple'::regconfig, coalesce(subject, '')), 'B')
    || setweight(to_tsvector('simple'::regconfig, coalesce(applicant_name, '')), 'B')
    || setweight(to_tsvector('russian'::regconfig, coalesce(applicant_name, '')), 'C')
) STORED;
CREATE INDEX IF NOT EXISTS appeal_search_document_gin ON appeals_appeal USING gin (search_document);
"""

BACKWARD = """
DROP INDEX IF EXISTS appeal_search_document_gin;
ALTER TABLE appeals_appeal DROP COLUMN IF EXISTS search_document;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
