from django.core.management.base import BaseCommand

from appeals.notices.outbox import notices_dispatch_pending
from appeals.reminders.digests import digests_send
from appeals.reminders.scan import reminders_scan


class Command(BaseCommand):
    help = (
        "Run the deadline scan now, as beat does every minute: write the reminders due by now and hand "
        "them to the workers. Safe to run any number of times: a reminder already written is not sent again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--digest", action="store_true", help="also write and send today's supervisors' digests")
        parser.add_argument(
            "--catch-up", action="store_true", help="also hand every pending notice whose time has come to the workers"
        )

    def handle(self, *args, **options):
        result = reminders_scan()
        self.stdout.write(
            f"{result.appeals} open appeals were owed a reminder: {result.reminders} new reminders to executors, "
            f"{result.redirect_limit} to registrars, {result.escalated} appeals escalated."
        )
        if options["digest"]:
            self.stdout.write(f"Digests written: {digests_send()}.")
        if options["catch_up"]:
            self.stdout.write(f"Pending notices handed over: {notices_dispatch_pending()}.")
