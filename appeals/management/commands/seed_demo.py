from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from appeals.datasets.demo import demo_exists, seed_appeals, seed_base
from appeals.datasets.demo_data import DEMO_PASSWORD
from appeals.models import RouterModel
from appeals.routing.services import router_train_corpus

NATIONAL_DEFAULT_APPEALS = 1_000_000
SQLITE_NATIONAL_LIMIT = 20_000


class Command(BaseCommand):
    help = (
        "Load the demo: an agency tree over two regions, staff with demo logins, and appeals. "
        "With --national: the national dataset of the benchmarks (about 3 000 agencies, 30 000 staff, "
        "a million appeals over a year; see BENCHMARKS.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--appeals", type=int, default=None, help="add this many appeals (default: 500 once; 1 000 000 national)"
        )
        parser.add_argument("--days", type=int, default=None, help="spread registrations over this many days")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the demo is already loaded")
        parser.add_argument(
            "--national",
            action="store_true",
            help="load the national dataset (needs a database of its own; a re-run replaces its appeals)",
        )

    def handle(self, *args, **options):
        if options["national"]:
            self.national(options)
            return
        if options["if_empty"] and demo_exists():
            self.stdout.write("The demo is already loaded.")
            return
        existed = demo_exists()
        self.stdout.write("Loading the agency tree, categories and staff…")
        logins = seed_base(out=self.stdout.write)
        count = options["appeals"]
        if count is None:
            count = 0 if existed else 500
        if count:
            self.stdout.write(f"Adding {count} appeals…")
            seed_appeals(count, days=options["days"] or 60, seed=options["seed"], out=self.stdout.write)
        if not existed:
            from appeals.listening.planted import planted_demo

            self.stdout.write("Adding a year of appeals with patterns to listen to…")
            planted_demo(out=self.stdout.write)
        if not RouterModel.objects.exists():
            # The demo's history of citizens' texts is the routing corpus: suggestions work at once.
            self.stdout.write("Training the routing model on the demo corpus…")
            router_train_corpus(out=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        for username, description in logins:
            self.stdout.write(f"  {username:<24} {description}")

    def national(self, options):
        from appeals.datasets import national

        count = NATIONAL_DEFAULT_APPEALS if options["appeals"] is None else options["appeals"]
        if count < 0:
            raise CommandError("--appeals must not be negative.")
        if connection.vendor != "postgresql" and count > SQLITE_NATIONAL_LIMIT:
            raise CommandError(
                f"The national dataset of {count} appeals needs PostgreSQL (it loads with COPY): set "
                f"DATABASE_URL=postgres://…, or give --appeals {SQLITE_NATIONAL_LIMIT} or fewer to try it on SQLite."
            )
        if national.foreign_appeals_exist():
            raise CommandError(
                "This database holds appeals that are not part of the national dataset. The national dataset "
                "replaces every appeal when it loads, so it needs a database of its own: create one "
                "(createdb otinish_bench) and point DATABASE_URL at it."
            )
        if options["if_empty"] and national.national_exists() and national.appeals_count() > 0:
            self.stdout.write("The national dataset is already loaded.")
            return
        self.stdout.write("National dataset: the agency tree, categories and staff…")
        national.build_tree(seed=options["seed"], out=self.stdout.write)
        if national.appeals_count():
            national.wipe_appeals(out=self.stdout.write)
        self.stdout.write(f"National dataset: {count} appeals with their responses and audit trail…")
        totals = national.load_appeals(count, seed=options["seed"], days=options["days"] or 365, out=self.stdout.write)
        # COPY bypasses the dashboard's signals: its daily roll-ups are built from the loaded appeals.
        self.stdout.write("National dataset: the dashboard's daily roll-ups…")
        call_command("rebuild_rollups", stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {totals['appeals']} appeals, {totals['events']} events, {totals['responses']} responses. "
                f"Staff sign in as {national.BENCH_EXECUTOR}, {national.BENCH_MINISTRY_SUPERVISOR}, "
                f"{national.BENCH_REGISTRAR} or nat.<agency>.<n>; password: {national.NATIONAL_PASSWORD}"
            )
        )
