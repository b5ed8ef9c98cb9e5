"""The scheduled scans of deadlines, run by Celery beat (appeals.tasks) and `manage.py reminders_scan`.

scan.py     the deadline scan: reminders to assignees (before and after the due date) and registrars (the
            redirect limit, a complaint's forwarding), and the escalation of newly overdue appeals; the heartbeat
digests.py  the supervisors' daily digest

Sits above the lifecycle (it escalates through `lifecycle.appeal_escalate`) and the notices (it writes reminder
notices to the outbox). May import: appeals.lifecycle, appeals.notices, appeals.access, appeals.calendar,
appeals.models, agencies. Never the desk, pages, the API or the tasks.
"""
