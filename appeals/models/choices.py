"""Every choice of the appeals app, with translated labels, and the workflow's one truth."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppealKind(models.TextChoices):
    APPLICATION = "application", _("Application")
    COMPLAINT = "complaint", _("Complaint")
    PROPOSAL = "proposal", _("Proposal")
    REQUEST = "request", _("Request for information")
    FEEDBACK = "feedback", _("Feedback")
    REPORT = "report", _("Report")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Citizens' portal")
    EMAIL = "email", _("Email")
    POST = "post", _("Post")
    RECEPTION = "reception", _("Personal reception")
    PHONE = "phone", _("Phone")
    SOCIAL = "social", _("Social media")


class Language(models.TextChoices):
    KAZAKH = "kk", _("Kazakh")
    RUSSIAN = "ru", _("Russian")


class ApplicantType(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    LEGAL = "legal", _("Legal entity")
    ANONYMOUS = "anonymous", _("Anonymous")


class AppealStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    ANSWERED = "answered", _("Answered")
    LEFT_WITHOUT_CONSIDERATION = "left_without_consideration", _("Left without consideration")
    REDIRECTED = "redirected", _("Redirected")
    TERMINATED = "terminated", _("Terminated")
    CLOSED = "closed", _("Closed")


# Appeals still running against their deadline.
OPEN_STATUSES: frozenset[str] = frozenset(
    {AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS, AppealStatus.AWAITING_APPROVAL}
)
# Appeals this body is done with (their deadline no longer runs here).
FINISHED_STATUSES: frozenset[str] = frozenset(set(AppealStatus.values) - OPEN_STATUSES)

# The workflow: the only status moves there are. Services check every move against this.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    AppealStatus.REGISTERED: frozenset(
        {
            AppealStatus.IN_PROGRESS,
            AppealStatus.REDIRECTED,
            AppealStatus.LEFT_WITHOUT_CONSIDERATION,
            AppealStatus.TERMINATED,
        }
    ),
    AppealStatus.IN_PROGRESS: frozenset(
        {
            AppealStatus.AWAITING_APPROVAL,
            AppealStatus.REDIRECTED,
            AppealStatus.LEFT_WITHOUT_CONSIDERATION,
            AppealStatus.TERMINATED,
        }
    ),
    AppealStatus.AWAITING_APPROVAL: frozenset(
        {
            AppealStatus.IN_PROGRESS,  # returned for rework
            AppealStatus.ANSWERED,  # approved and sent
            AppealStatus.LEFT_WITHOUT_CONSIDERATION,
        }
    ),
    AppealStatus.ANSWERED: frozenset({AppealStatus.CLOSED, AppealStatus.IN_PROGRESS}),
    # Reopened: back to the executor, or to the unassigned queue when nobody had taken it.
    AppealStatus.LEFT_WITHOUT_CONSIDERATION: frozenset({AppealStatus.IN_PROGRESS, AppealStatus.REGISTERED}),
    AppealStatus.TERMINATED: frozenset({AppealStatus.IN_PROGRESS, AppealStatus.REGISTERED}),
    AppealStatus.CLOSED: frozenset({AppealStatus.IN_PROGRESS}),
    AppealStatus.REDIRECTED: frozenset(),
}


class AppealAction(models.TextChoices):
    """What a person (or the system) can do to an appeal; each is one service function."""

    TAKE = "take", _("Take")
    ASSIGN = "assign", _("Assign")
    REDIRECT = "redirect", _("Redirect")
    REQUEST_EXTENSION = "request_extension", _("Request an extension")
    GRANT_EXTENSION = "grant_extension", _("Grant an extension")
    NOTE = "note", _("Add an internal note")
    DRAFT = "draft", _("Draft the response")
    SUBMIT = "submit", _("Submit for approval")
    RETURN = "return", _("Return for rework")
    APPROVE = "approve", _("Approve and send")
    LEAVE = "leave", _("Leave without consideration")
    TERMINATE = "terminate", _("Terminate")
    CLOSE = "close", _("Close")
    REOPEN = "reopen", _("Reopen")
    ESCALATE = "escalate", _("Escalate")
    LINK = "link", _("Link")
    MERGE = "merge", _("Merge as a duplicate")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    TAKEN = "taken", _("Taken into work")
    ASSIGNED = "assigned", _("Assigned")
    REDIRECTED = "redirected", _("Redirected")
    PART_REDIRECTED = "part_redirected", _("Part redirected")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_GRANTED = "extension_granted", _("Extension granted")
    NOTE_ADDED = "note_added", _("Internal note")
    RESPONSE_SAVED = "response_saved", _("Response drafted")
    SUBMITTED = "submitted", _("Submitted for approval")
    RETURNED = "returned", _("Returned for rework")
    APPROVED = "approved", _("Approved and sent")
    LEFT_WITHOUT_CONSIDERATION = "left_without_consideration", _("Left without consideration")
    TERMINATED = "terminated", _("Terminated")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    ESCALATED = "escalated", _("Escalated")
    LINKED = "linked", _("Linked")
    MERGED = "merged", _("Merged")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    PERSONAL_DATA_REVEALED = "personal_data_revealed", _("Personal data revealed")
    NOTICE_SENT = "notice_sent", _("Notice sent")
    RATED = "rated", _("Applicant's rating recorded")
    LINKED_REPEAT = "linked_repeat", _("Linked as a repeat")
    LINKED_ESCALATION = "linked_escalation", _("Linked as an escalation")
    UNLINKED_REPEAT = "unlinked_repeat", _("Repeat link undone")
    UNLINKED_ESCALATION = "unlinked_escalation", _("Escalation link undone")


class ResponseKind(models.TextChoices):
    ANSWER = "answer", _("Answer on the merits")
    INTERIM = "interim", _("Interim notice")
    EXTENSION_NOTICE = "extension_notice", _("Extension notice")
    REDIRECT_NOTICE = "redirect_notice", _("Redirect notice")
    REFUSAL = "refusal", _("Left without consideration")


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    RETURNED = "returned", _("Returned for rework")
    SENT = "sent", _("Approved and sent")


class Outcome(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    PARTIALLY_SATISFIED = "partially_satisfied", _("Partially satisfied")
    REFUSED = "refused", _("Refused")
    EXPLAINED = "explained", _("Explained")
    LEFT_WITHOUT_CONSIDERATION = "left_without_consideration", _("Left without consideration")
    REDIRECTED = "redirected", _("Redirected")
    TERMINATED = "terminated", _("Terminated")


# Outcomes a supervisor may give an answer on the merits.
ANSWER_OUTCOMES: frozenset[str] = frozenset(
    {Outcome.SATISFIED, Outcome.PARTIALLY_SATISFIED, Outcome.REFUSED, Outcome.EXPLAINED}
)


class LeaveReason(models.TextChoices):
    """Why an appeal is left without consideration; the reason is shown to the applicant."""

    ANONYMOUS = "anonymous", _("The appeal is anonymous")
    NO_SUBSTANCE = "no_substance", _("The appeal states no substance")
    REPEATED_NO_NEW_ARGUMENTS = (
        "repeated_no_new_arguments",
        _("A repeated appeal with no new arguments, already answered on the merits"),
    )
    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")
    COURT_DECIDED = "court_decided", _("The matter has already been decided by a court")


class TerminateReason(models.TextChoices):
    MERGED = "merged", _("Merged into another appeal of the same applicant")
    APPLICANT_DECEASED = "applicant_deceased", _("The applicant has died")
    ENTITY_LIQUIDATED = "entity_liquidated", _("The legal entity has been liquidated")
    OTHER = "other", _("Other reason")


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    DUPLICATE = "duplicate", _("Duplicate")


class NoticeKind(models.TextChoices):
    """What a notice (one email in the outbox) is about."""

    # To the applicant.
    RECEIPT = "receipt", _("Registration receipt")
    REDIRECT = "redirect", _("Redirect notice")
    EXTENSION = "extension", _("Extension notice")
    ANSWER = "answer", _("Answer")
    LEFT = "left", _("Left without consideration")
    MERGED = "merged", _("Merged into another appeal")
    # To staff, on a change.
    ASSIGNED = "assigned", _("Assigned")
    RETURNED = "returned", _("Returned for rework")
    ESCALATED = "escalated", _("Overdue: escalated")
    # To staff, from the deadline scan.
    DUE_REMINDER = "due_reminder", _("Deadline reminder")
    OVERDUE_REMINDER = "overdue_reminder", _("Overdue reminder")
    REDIRECT_LIMIT = "redirect_limit", _("Redirect limit near")
    COMPLAINT_FORWARD = "complaint_forward", _("Complaint to the higher body: limit near")
    DIGEST = "digest", _("Daily digest")
    SIGNALS = "signals", _("Weekly signals")


# Notices to the applicant's address (never to a user).
APPLICANT_NOTICE_KINDS: frozenset[str] = frozenset(
    {
        NoticeKind.RECEIPT,
        NoticeKind.REDIRECT,
        NoticeKind.EXTENSION,
        NoticeKind.ANSWER,
        NoticeKind.LEFT,
        NoticeKind.MERGED,
    }
)
# Notices the deadline scan creates: each (appeal, kind, user, due date, stage) at most once.
DEADLINE_NOTICE_KINDS: tuple[str, ...] = (
    NoticeKind.DUE_REMINDER,
    NoticeKind.OVERDUE_REMINDER,
    NoticeKind.REDIRECT_LIMIT,
    NoticeKind.COMPLAINT_FORWARD,
)


class NoticeState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DROPPED = "dropped", _("Dropped")
    FAILED = "failed", _("Failed")
