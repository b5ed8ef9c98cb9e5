"""The Celery application. Broker and schedule come from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("otinish")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect  # standalone `celery beat` and the beat embedded in `worker --beat` alike
def _catch_up_when_beat_starts(sender=None, **kwargs):
    """Run the deadline scan and the notice catch-up as soon as beat starts.

    Beat runs an interval task one interval after it first sees it; after a deployment or an
    outage the reminders should not wait for that. Both tasks are idempotent.
    """
    app.send_task("appeals.tasks.reminders_scan_task", expires=300)
    app.send_task("appeals.tasks.notices_dispatch_pending_task", expires=300)
