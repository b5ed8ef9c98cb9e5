"""PostgreSQL only: the index the national benchmarks asked for (BENCHMARKS.md, "Indexes and query plans").

The queue search ORs three alternatives: the full-text document (GIN, migration 0002), the
registration number by prefix, and an IIN/BIN (the partial indexes of 0001). PostgreSQL combines
them with a BitmapOr only if each alternative has an index; `number__istartswith` compiles to
UPPER(number::text) LIKE UPPER('…%'), which the unique index on `number` cannot serve, so without
this index every search read the whole visible part of the table. On other databases this
migration does nothing.
"""

from django.db import migrations

FORWARD = """
CREATE INDEX IF NOT EXISTS appeal_number_upper_prefix ON appeals_appeal (UPPER(number::text) text_pattern_ops);
"""

BACKWARD = """
DROP INDEX IF EXISTS appeal_number_upper_prefix;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0006_notice_outbox_and_routing_index")]

    operations = [migrations.RunPython(forward, backward)]
