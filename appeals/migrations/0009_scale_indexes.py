"""PostgreSQL only: what the national benchmarks asked for (BENCHMARKS.md, "Indexes and query plans").

- appeal_number_upper_prefix: the queue search ORs three alternatives: the full-text document (GIN, migration 0002), the
registration number by prefix, and an IIN/BIN (the partial indexes of 0001). PostgreSQL combines
them with a BitmapOr only if each alternative has an index; `number__istartswith` compiles to
UPPER(number::text) LIKE UPPER('…%'), which the unique index on `number` cannot serve, so without
this index every search read the whole visible part of the table.
- appeal_agency_assignee_stats: extended statistics. An executor's appeals all belong to their agency,
  but the planner multiplies the two selectivities (56 rows estimated, 1 500 real) and picked a
  BitmapAnd and a sort over an in-order scan of appeal_open_assignee_due.
- appeal_unassigned_agency_due: the "unassigned in my agency" queue and its count, in the queue's
  order (the few registered, unassigned appeals of an agency; 0006's index has no agency).
- appeal_escalated_in_registered: the dashboard's complaints about a lower body in a period (few rows; the
  planner otherwise walked the whole period on appeal_registered probing escalated_from: 245 ms at 1 M).
- rollup_agency_day: the dashboard's roll-ups of a subtree, agency by agency over a period (the unique
  (day, agency, …) index read the whole period once per agency: 28 000 buffers, 70 ms per query at 1 M).
On other databases this migration does nothing.
"""

from django.db import migrations

FORWARD = """
CREATE INDEX IF NOT EXISTS appeal_number_upper_prefix ON appeals_appeal (UPPER(number::text) text_pattern_ops);
CREATE STATISTICS IF NOT EXISTS appeal_agency_assignee_stats (dependencies, ndistinct)
    ON agency_id, assignee_id FROM appeals_appeal;
CREATE INDEX IF NOT EXISTS appeal_unassigned_agency_due ON appeals_appeal (agency_id, due_date, id)
    WHERE assignee_id IS NULL AND status = 'registered';
CREATE INDEX IF NOT EXISTS appeal_escalated_in_registered ON appeals_appeal (registered_at)
    WHERE escalated_from_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS rollup_agency_day ON appeals_appealdailyrollup (agency_id, day);
"""

BACKWARD = """
DROP INDEX IF EXISTS appeal_number_upper_prefix;
DROP STATISTICS IF EXISTS appeal_agency_assignee_stats;
DROP INDEX IF EXISTS appeal_unassigned_agency_due;
DROP INDEX IF EXISTS appeal_escalated_in_registered;
DROP INDEX IF EXISTS rollup_agency_day;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0008_heartbeat")]

    operations = [migrations.RunPython(forward, backward)]
