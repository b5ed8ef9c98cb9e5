"""Who may do what, from which status: the actions' rules (ACTION_RULES), the actor's roles on an appeal, the
actions offered to a user, and the errors every action raises."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agencies.choices import Role
from agencies.models import User
from agencies.selectors import user_roles_for

from ..models import (
    Appeal,
)
from ..models.choices import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    AppealAction,
    AppealStatus,
)


class AppealError(ValidationError):
    """A domain rule refused the change (bad input). Nothing was written."""


class AppealPermissionError(AppealError):
    """The actor's role does not allow this action on this appeal."""


class AppealTransitionError(AppealError):
    """The action is not possible from the appeal's current status."""


class AppealConflictError(AppealTransitionError):
    """Someone else changed the appeal since it was loaded."""


_ANY_STAFF = frozenset({Role.REGISTRAR, Role.EXECUTOR, Role.SUPERVISOR})


_ALL = frozenset(AppealStatus.values)


@dataclass(frozen=True)
class ActionRule:
    from_statuses: frozenset[str]
    roles: frozenset[str]
    to_status: str | None = None  # None: the status stays as it is
    assignee_only: bool = False  # an executor must be the assignee (supervisors may act anyway)


ACTION_RULES: dict[str, ActionRule] = {
    AppealAction.TAKE: ActionRule(
        frozenset({AppealStatus.REGISTERED}), frozenset({Role.EXECUTOR}), AppealStatus.IN_PROGRESS
    ),
    AppealAction.ASSIGN: ActionRule(
        frozenset({AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS}),
        frozenset({Role.SUPERVISOR}),
        AppealStatus.IN_PROGRESS,
    ),
    AppealAction.REDIRECT: ActionRule(
        frozenset({AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS}),
        frozenset({Role.REGISTRAR, Role.SUPERVISOR}),
        AppealStatus.REDIRECTED,
    ),
    AppealAction.REQUEST_EXTENSION: ActionRule(
        frozenset({AppealStatus.IN_PROGRESS}), frozenset({Role.EXECUTOR}), None, assignee_only=True
    ),
    AppealAction.GRANT_EXTENSION: ActionRule(OPEN_STATUSES, frozenset({Role.SUPERVISOR})),
    AppealAction.NOTE: ActionRule(_ALL, _ANY_STAFF),
    AppealAction.DRAFT: ActionRule(
        frozenset({AppealStatus.IN_PROGRESS}),
        frozenset({Role.EXECUTOR, Role.SUPERVISOR}),
        None,
        assignee_only=True,
    ),
    AppealAction.SUBMIT: ActionRule(
        frozenset({AppealStatus.IN_PROGRESS}),
        frozenset({Role.EXECUTOR, Role.SUPERVISOR}),
        AppealStatus.AWAITING_APPROVAL,
        assignee_only=True,
    ),
    AppealAction.RETURN: ActionRule(
        frozenset({AppealStatus.AWAITING_APPROVAL}), frozenset({Role.SUPERVISOR}), AppealStatus.IN_PROGRESS
    ),
    AppealAction.APPROVE: ActionRule(
        frozenset({AppealStatus.AWAITING_APPROVAL}), frozenset({Role.SUPERVISOR}), AppealStatus.ANSWERED
    ),
    AppealAction.LEAVE: ActionRule(
        OPEN_STATUSES, frozenset({Role.SUPERVISOR}), AppealStatus.LEFT_WITHOUT_CONSIDERATION
    ),
    AppealAction.TERMINATE: ActionRule(
        frozenset({AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS}),
        frozenset({Role.SUPERVISOR}),
        AppealStatus.TERMINATED,
    ),
    AppealAction.CLOSE: ActionRule(
        frozenset({AppealStatus.ANSWERED}),
        frozenset({Role.EXECUTOR, Role.SUPERVISOR}),
        AppealStatus.CLOSED,
        assignee_only=True,
    ),
    AppealAction.REOPEN: ActionRule(
        frozenset(
            {
                AppealStatus.ANSWERED,
                AppealStatus.LEFT_WITHOUT_CONSIDERATION,
                AppealStatus.TERMINATED,
                AppealStatus.CLOSED,
            }
        ),
        frozenset({Role.SUPERVISOR}),
        AppealStatus.IN_PROGRESS,
    ),
    AppealAction.ESCALATE: ActionRule(OPEN_STATUSES, frozenset({Role.SUPERVISOR})),
    AppealAction.LINK: ActionRule(_ALL, _ANY_STAFF),
    AppealAction.MERGE: ActionRule(
        frozenset({AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS}),
        frozenset({Role.SUPERVISOR}),
        AppealStatus.TERMINATED,
    ),
}


def actor_roles(actor: User | None, appeal: Appeal) -> frozenset[str]:
    """The actor's roles for this appeal's agency (a superuser holds them all)."""
    if actor is None:
        return frozenset()
    if actor.is_superuser and actor.is_active:
        return frozenset(Role.values)
    return user_roles_for(actor, appeal.agency)


def _rule_allows(actor: User | None, appeal: Appeal, action: str, roles: frozenset[str]) -> str | None:
    """None when allowed, else the code of the reason: 'status' or 'role'."""
    rule = ACTION_RULES[action]
    if appeal.status not in rule.from_statuses:
        return "status"
    if not roles & rule.roles:
        return "role"
    if rule.assignee_only and Role.SUPERVISOR not in roles and appeal.assignee_id != getattr(actor, "pk", None):
        return "role"
    return None


def appeal_can(*, user: User | None, appeal: Appeal, action: str) -> bool:
    """Whether `user` may do `action` to `appeal` now (templates and the API use it to offer actions)."""
    if action not in ACTION_RULES:
        return False
    return _rule_allows(user, appeal, action, actor_roles(user, appeal)) is None


def appeal_available_actions(*, user: User | None, appeal: Appeal, memo: dict | None = None) -> frozenset[str]:
    """Every action `user` may take on `appeal` now.

    `memo`, a dict kept over a list of appeals, shares the answer between appeals that the rules cannot
    tell apart (the same agency, status and whether the user is the assignee).
    """
    key = (appeal.agency_id, appeal.status, appeal.assignee_id == getattr(user, "pk", None))
    if memo is not None and key in memo:
        return memo[key]
    roles = actor_roles(user, appeal)
    allowed = frozenset(action for action in ACTION_RULES if _rule_allows(user, appeal, action, roles) is None)
    if memo is not None:
        memo[key] = allowed
    return allowed


def action_check(actor: User | None, appeal: Appeal, action: str) -> ActionRule:
    rule = ACTION_RULES[action]
    reason = _rule_allows(actor, appeal, action, actor_roles(actor, appeal))
    if reason == "status":
        raise AppealTransitionError(
            _("“%(action)s” is not possible while the appeal is “%(status)s”."),
            code="transition",
            params={"action": AppealAction(action).label, "status": AppealStatus(appeal.status).label},
        )
    if reason == "role":
        raise AppealPermissionError(
            _("You may not “%(action)s” on this appeal."),
            code="permission",
            params={"action": AppealAction(action).label},
        )
    if rule.to_status and rule.to_status != appeal.status:
        # The action table and the workflow must agree; a mismatch is a programming error.
        assert rule.to_status in ALLOWED_TRANSITIONS[appeal.status], (appeal.status, rule.to_status)
    return rule
