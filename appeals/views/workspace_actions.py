"""The workspace's actions: for each slug the AppealAction that offers it, its form, the lifecycle function it calls
and the message shown after it; which sit in the response panel, which are one button, which are dangerous."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

from .. import lifecycle
from ..desk.forms import (
    LINK_DUPLICATE,
    ActionForm,
    ApproveForm,
    AssignForm,
    EmptyActionForm,
    ExtensionForm,
    LeaveForm,
    LinkForm,
    NoteForm,
    RedirectForm,
    ReopenForm,
    ResponseForm,
    ReturnForm,
    TerminateForm,
)
from ..models import Appeal
from ..models.choices import AppealAction


def _link(appeal: Appeal, actor, data: dict) -> Any:
    other = data["other"]
    if data["kind"] == LINK_DUPLICATE:
        return lifecycle.appeal_merge(appeal=appeal, into=other, actor=actor, comment=data.get("comment", ""))
    return lifecycle.appeal_link(appeal=appeal, other=other, actor=actor, comment=data.get("comment", ""))


@dataclass(frozen=True)
class ActionSpec:
    slug: str
    action: str  # the AppealAction that decides whether it is offered
    form: type[ActionForm]
    run: Callable[[Appeal, Any, dict], Any]
    success: Any  # lazy text shown after it worked
    aliases: dict[str, str] = field(default_factory=dict)  # a service's error key -> the form's field


ACTIONS: dict[str, ActionSpec] = {
    spec.slug: spec
    for spec in (
        ActionSpec(
            "take",
            AppealAction.TAKE,
            EmptyActionForm,
            lambda a, u, d: lifecycle.appeal_take(appeal=a, actor=u),
            gettext_lazy("The appeal is yours now."),
        ),
        ActionSpec(
            "assign",
            AppealAction.ASSIGN,
            AssignForm,
            lambda a, u, d: lifecycle.appeal_assign(appeal=a, executor=d["executor"], actor=u),
            gettext_lazy("The executor is assigned and notified."),
        ),
        ActionSpec(
            "redirect",
            AppealAction.REDIRECT,
            RedirectForm,
            lambda a, u, d: lifecycle.appeal_redirect(
                appeal=a, to_agency=d["to_agency"], actor=u, reason=d["reason"], part_text=d.get("part_text", "")
            ),
            gettext_lazy("The appeal is sent to the competent agency; the applicant is told."),
        ),
        ActionSpec(
            "request_extension",
            AppealAction.REQUEST_EXTENSION,
            ExtensionForm,
            lambda a, u, d: lifecycle.appeal_request_extension(appeal=a, actor=u, until=d["until"], reason=d["reason"]),
            gettext_lazy("The extension is requested from the supervisor."),
        ),
        ActionSpec(
            "grant_extension",
            AppealAction.GRANT_EXTENSION,
            ExtensionForm,
            lambda a, u, d: lifecycle.appeal_grant_extension(appeal=a, actor=u, until=d["until"], reason=d["reason"]),
            gettext_lazy("The term is extended; the applicant is told."),
        ),
        ActionSpec(
            "note",
            AppealAction.NOTE,
            NoteForm,
            lambda a, u, d: lifecycle.appeal_add_note(appeal=a, actor=u, text=d["text"]),
            gettext_lazy("The note is added."),
        ),
        ActionSpec(
            "draft",
            AppealAction.DRAFT,
            ResponseForm,
            lambda a, u, d: lifecycle.appeal_save_response(
                appeal=a, actor=u, text=d["text"], language=d["language"], outcome=d.get("outcome", "")
            ),
            gettext_lazy("The draft answer is saved."),
        ),
        ActionSpec(
            "submit",
            AppealAction.SUBMIT,
            EmptyActionForm,
            lambda a, u, d: lifecycle.appeal_submit(appeal=a, actor=u),
            gettext_lazy("The answer is submitted for approval."),
        ),
        ActionSpec(
            "return",
            AppealAction.RETURN,
            ReturnForm,
            lambda a, u, d: lifecycle.appeal_return(appeal=a, actor=u, comment=d["comment"]),
            gettext_lazy("The answer is returned to the executor for rework."),
        ),
        ActionSpec(
            "approve",
            AppealAction.APPROVE,
            ApproveForm,
            lambda a, u, d: lifecycle.appeal_approve(appeal=a, actor=u, outcome=d["outcome"]),
            gettext_lazy("The answer is approved and sent to the applicant."),
        ),
        ActionSpec(
            "leave",
            AppealAction.LEAVE,
            LeaveForm,
            lambda a, u, d: lifecycle.appeal_leave_without_consideration(
                appeal=a, actor=u, reason=d["reason"], comment=d.get("comment", "")
            ),
            gettext_lazy("The appeal is left without consideration; the applicant is told."),
        ),
        ActionSpec(
            "terminate",
            AppealAction.TERMINATE,
            TerminateForm,
            lambda a, u, d: lifecycle.appeal_terminate(
                appeal=a, actor=u, reason=d["reason"], comment=d.get("comment", "")
            ),
            gettext_lazy("Consideration of the appeal is terminated."),
        ),
        ActionSpec(
            "close",
            AppealAction.CLOSE,
            EmptyActionForm,
            lambda a, u, d: lifecycle.appeal_close(appeal=a, actor=u),
            gettext_lazy("The case file is closed."),
        ),
        ActionSpec(
            "reopen",
            AppealAction.REOPEN,
            ReopenForm,
            lambda a, u, d: lifecycle.appeal_reopen(appeal=a, actor=u, reason=d["reason"]),
            gettext_lazy("The appeal is reopened with a new term."),
        ),
        ActionSpec(
            "escalate",
            AppealAction.ESCALATE,
            EmptyActionForm,
            lambda a, u, d: lifecycle.appeal_escalate(appeal=a, actor=u),
            gettext_lazy("The appeal is escalated to the supervisors up the tree."),
        ),
        ActionSpec(
            "link",
            AppealAction.LINK,
            LinkForm,
            _link,
            gettext_lazy("The appeals are linked."),
            aliases={"other": "number", "into": "number"},
        ),
    )
}

# Actions whose form sits in the response panel rather than in the action bar.
RESPONSE_PANEL_ACTIONS = ("draft", "submit", "return", "approve")
# Actions that are one button, no fields.
BUTTON_ACTIONS = ("take", "submit", "close", "escalate")
DANGER_ACTIONS = ("leave", "terminate")
