"""Notices: what a change tells whom, written to an outbox in the change's transaction and sent after it.

notifications.py  the lifecycle's one door: which notices a change calls for (applicant and staff emails, the
                  status webhooks of `appeal_changed`); rows only, sent on commit
outbox.py         the Notice rows: claim, hand over to the workers, send over one SMTP connection, retry, drop
mailer.py         what each notice kind says (kinds built elsewhere register a builder: the weekly signals)
emails.py         one email from subject / text / HTML templates in the recipient's language
webhooks.py       the integrations' status webhooks: an outbox of signed POSTs

May import: appeals.models, appeals.calendar, appeals.access, appeals.infra (the hand-off to Celery), agencies.
Never the lifecycle, the reminder scan, the desk, pages, the API or the tasks: Celery tasks are reached through
appeals.infra.handoff, and features above (the listening package's signals email) plug in through
AppealsConfig.ready(). So a change to the outbox cannot reach the lifecycle.
"""
