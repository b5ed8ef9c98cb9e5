"""`make run`: the web server and a Celery worker with beat, on the embedded defaults.

Ctrl-C stops both. The worker runs as a child process; the web server is Django's runserver.
"""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from appeals.datasets.demo_data import DEMO_PASSWORD, STAFF


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


class Command(BaseCommand):
    help = "Run the web server and a Celery worker with beat (development)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="run the web server only")

    def handle(self, *args, **options):
        # Stop the worker on SIGTERM/SIGHUP too, not only on Ctrl-C.
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _exit_on_signal)
        worker = None
        # runserver's autoreloader runs this command again in a child (RUN_MAIN=true): start the
        # worker only once, in the parent.
        if not options["no_worker"] and os.environ.get("RUN_MAIN") != "true":
            worker = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--beat",
                    "--loglevel=INFO",
                    "--concurrency=2",
                    "--schedule",
                    settings.CELERY_BEAT_SCHEDULE_FILENAME,
                ],
                start_new_session=True,
            )
            self._banner(options["addrport"])
        try:
            call_command("runserver", options["addrport"])
        finally:
            if worker is not None and worker.poll() is None:
                self.stdout.write("Stopping the Celery worker…")
                worker.terminate()  # warm shutdown: the running task finishes
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)

    def _banner(self, addrport):
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        lines = [
            "",
            f"Otinish Desk runs at http://{host}/  (admin: http://{host}/admin/)",
            f"Emails are written to {settings.EMAIL_FILE_PATH}/ — open them with any text viewer.",
            f"Demo logins, password for all: {DEMO_PASSWORD}",
            "  admin (Django admin)",
        ]
        lines += [f"  {username}" for username, *_rest in STAFF]
        lines.append("Press Ctrl-C to stop the web server and the worker.\n")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
