"""The appeal lifecycle: every write to an appeal goes through a function of this package.

Owns who may do what (`rules`: roles, ACTION_RULES, available actions, the errors), registration and
numbers (`registration`), taking, assigning, notes and reveals (`handling`), redirects (`redirects`),
answers and ratings (`answers`), terms: extensions, escalation, the complaint's forwarding limit (`terms`),
leaving, terminating, closing, reopening (`closing`), links and merges (`links`), attachments
(`attachments`), and the building blocks every action uses (`audit`: compare-and-set, the one audit event,
the notice kept among the responses).

Each action is keyword-only and runs in one transaction, in the same order of steps:
  1. check the actor's role and the status against ACTION_RULES / ALLOWED_TRANSITIONS (`rules.action_check`);
  2. compare-and-set the row on its `version` (a concurrent change makes the update miss);
  3. write exactly one AppealEvent;
  4. ask for notices through `appeals.notices.notifications` only (rows in this transaction, sent on commit).
Views, the admin, the API, the reminder scan and Celery tasks call the actions re-exported below:
`from appeals import lifecycle; lifecycle.appeal_take(appeal=…, actor=…)`.

May import: appeals.models, appeals.calendar, appeals.access, appeals.notices.notifications (the one door to
notices), appeals.dashboard.rollups (an executor's counts move with the appeal), appeals.listening.matching
(registration keys and matching after commit), agencies. Never the Celery tasks, the desk, pages, the API or
the admin (tests/test_layering.py).
"""

from .answers import (
    RATABLE_STATUSES,
    appeal_approve,
    appeal_record_rating,
    appeal_return,
    appeal_save_response,
    appeal_submit,
    appeal_working_answer,
)
from .attachments import ATTACHMENT_EXTENSIONS, appeal_add_attachment, sniff_content_type, validate_upload
from .closing import appeal_close, appeal_leave_without_consideration, appeal_reopen, appeal_terminate
from .handling import PERSONAL_DATA_FIELDS, appeal_add_note, appeal_assign, appeal_reveal_personal_data, appeal_take
from .links import appeal_link, appeal_merge
from .redirects import appeal_redirect
from .registration import (
    ApplicantData,
    Registration,
    RegistrationBatchError,
    appeal_register,
    appeals_register_many,
)
from .rules import (
    ACTION_RULES,
    ActionRule,
    AppealConflictError,
    AppealError,
    AppealPermissionError,
    AppealTransitionError,
    actor_roles,
    appeal_available_actions,
    appeal_can,
)
from .terms import appeal_escalate, appeal_grant_extension, appeal_request_extension, complaint_forward_by

__all__ = [
    "ACTION_RULES",
    "ATTACHMENT_EXTENSIONS",
    "PERSONAL_DATA_FIELDS",
    "RATABLE_STATUSES",
    "ActionRule",
    "AppealConflictError",
    "AppealError",
    "AppealPermissionError",
    "AppealTransitionError",
    "ApplicantData",
    "Registration",
    "RegistrationBatchError",
    "actor_roles",
    "appeal_add_attachment",
    "appeal_add_note",
    "appeal_approve",
    "appeal_assign",
    "appeal_available_actions",
    "appeal_can",
    "appeal_close",
    "appeal_escalate",
    "appeal_grant_extension",
    "appeal_leave_without_consideration",
    "appeal_link",
    "appeal_merge",
    "appeal_record_rating",
    "appeal_redirect",
    "appeal_register",
    "appeal_reopen",
    "appeal_request_extension",
    "appeal_return",
    "appeal_reveal_personal_data",
    "appeal_save_response",
    "appeal_submit",
    "appeal_take",
    "appeal_terminate",
    "appeal_working_answer",
    "appeals_register_many",
    "complaint_forward_by",
    "sniff_content_type",
    "validate_upload",
]
