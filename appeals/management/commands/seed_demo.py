from django.core.management.base import BaseCommand

from appeals.demo import DEMO_PASSWORD, demo_exists, seed_appeals, seed_base


class Command(BaseCommand):
    help = "Load the demo: an agency tree over two regions, staff with demo logins, and appeals."

    def add_arguments(self, parser):
        parser.add_argument("--appeals", type=int, default=None, help="add this many appeals (default: 500 once)")
        parser.add_argument("--days", type=int, default=60, help="spread registrations over this many days")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the demo is already loaded")

    def handle(self, *args, **options):
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
            seed_appeals(count, days=options["days"], seed=options["seed"], out=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        for username, description in logins:
            self.stdout.write(f"  {username:<24} {description}")
