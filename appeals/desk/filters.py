"""AppealFilterSet: the one FilterSet behind the queue pages and the API (`?status=…&q=…` means the
same in the browser and in /api/v1/). Apply it to `appeals_visible_to(user)`, never to all appeals."""

from __future__ import annotations

import copy

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from agencies.choices import Region
from agencies.models import Agency, Category, User
from agencies.selectors import agencies_visible_to, agency_subtree

from ..access.selectors import appeals_overdue, appeals_search, due_soon_limit
from ..calendar.workdays import local_today
from ..models import Appeal, AppealEvent, Integration
from ..models.choices import OPEN_STATUSES, AppealKind, AppealStatus, Channel, EventKind, Language, Outcome


def _visible_agencies(request) -> QuerySet[Agency]:
    if request is None:
        return Agency.objects.none()
    integration = getattr(request, "auth", None)
    if isinstance(integration, Integration):  # an API token: its agency scope (appeals/api/)
        return agency_subtree(integration.agency).order_by("path")
    return agencies_visible_to(request.user).order_by("path")


def _visible_staff(request) -> QuerySet[User]:
    if request is None:
        return User.objects.none()
    agencies = _visible_agencies(request)
    return (
        User.objects.filter(memberships__agency__in=agencies.values("pk"))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


# An id no database integer can hold (?category=99999999999999999999) is an invalid choice, not a
# crash: SQLite raises OverflowError and PostgreSQL "out of range" when such a value reaches a query.
_MAX_ID = 2**63 - 1


def _refuse_ids_out_of_range(field, values) -> None:
    for value in values:
        text = str(value).strip()
        if text.lstrip("-").isdigit() and not 0 <= int(text) <= _MAX_ID:
            raise forms.ValidationError(
                field.error_messages["invalid_choice"], code="invalid_choice", params={"value": text}
            )


class _ModelChoiceByIdField(django_filters.fields.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values:
            _refuse_ids_out_of_range(self, [value])
        return super().to_python(value)


class _ModelMultipleChoiceByIdField(django_filters.fields.ModelMultipleChoiceField):
    def _check_values(self, value):
        _refuse_ids_out_of_range(self, value)
        return super()._check_values(value)


class ModelChoiceByIdFilter(django_filters.ModelChoiceFilter):
    field_class = _ModelChoiceByIdField


class ModelMultipleChoiceByIdFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = _ModelMultipleChoiceByIdField


ORDERING_FIELDS = (
    ("due_date", "due_date"),
    ("registered_at", "registered_at"),
    ("number", "number"),
    ("status", "status"),
    ("agency__name_ru", "agency"),
    ("assignee__last_name", "executor"),
    ("applicant_name", "applicant"),
)


def _sorted_apart_from_age(queryset: QuerySet[Appeal]) -> QuerySet[Appeal]:
    """The same order, but by registration time as a value rather than through its index.

    Overdue appeals are old ones: sorted newest first, PostgreSQL walked the registration-time index backwards
    through every newer appeal of the subtree to find them (half a second for a ministry at a million appeals,
    80 000 rows read for 26), because it takes the filter's rows to be spread evenly over time. COALESCE keeps
    the order but not the index: the overdue rows come from their own index (a few thousand) and are sorted.
    """
    order = list(queryset.query.order_by) or ["-registered_at"]
    if not any(isinstance(term, str) and term.lstrip("-") == "registered_at" for term in order):
        return queryset
    by_value = Coalesce(F("registered_at"), F("registered_at"))
    terms = [
        (by_value.desc() if term.startswith("-") else by_value.asc())
        if isinstance(term, str) and term.lstrip("-") == "registered_at"
        else term
        for term in order
    ]
    last = order[-1]
    if not (isinstance(last, str) and last.lstrip("-") in ("pk", "id")):
        terms.append("-pk" if isinstance(last, str) and last.startswith("-") else "pk")
    return queryset.order_by(*terms)


# The dashboard's drill-down by audit event (see the marked block at the end of AppealFilterSet).
DRILL_DOWN_EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "redirected": (EventKind.REDIRECTED, EventKind.PART_REDIRECTED),
    "extension_granted": (EventKind.EXTENSION_GRANTED,),
    "returned": (EventKind.RETURNED,),
    "escalated": (EventKind.ESCALATED,),
}
DRILL_DOWN_EVENTS = (
    ("redirected", _("Redirected")),
    ("extension_granted", _("Extension granted")),
    ("returned", _("Returned for rework")),
    ("escalated", _("Escalated")),
)


class YesNoField(forms.NullBooleanField):
    """Yes, no or either (empty); anything else is refused rather than read as "either" (NullBooleanField's
    default), so `?overdue=5` answers 400 on the API and an error on the page instead of a silently wider list."""

    ACCEPTED = frozenset({None, "", True, False, "true", "false", "True", "False", "1", "0"})

    def to_python(self, value):
        if value not in self.ACCEPTED:
            raise forms.ValidationError(
                _("Select a valid choice. %(value)s is not one of the available choices."),
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class YesNoFilter(django_filters.BooleanFilter):
    field_class = YesNoField


DRILL_DOWN_BOOLEANS = ("on_time", "escalated_in", "event_late")


class AppealFilterSet(django_filters.FilterSet):
    # The multiple-choice filters are on the appeal's own columns (no join that could repeat a row): no
    # DISTINCT, which would make PostgreSQL sort every matching row with its joins before the LIMIT.
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=200)
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=AppealStatus.choices, distinct=False)
    open = YesNoFilter(label=_("Open"), method="filter_open")
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=AppealKind.choices, distinct=False)
    channel = django_filters.MultipleChoiceFilter(label=_("Channel"), choices=Channel.choices, distinct=False)
    language = django_filters.ChoiceFilter(label=_("Language"), choices=Language.choices)
    region = django_filters.MultipleChoiceFilter(label=_("Region"), choices=Region.choices, distinct=False)
    category = ModelMultipleChoiceByIdFilter(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), distinct=False
    )
    agency = ModelMultipleChoiceByIdFilter(label=_("Agency"), queryset=_visible_agencies, distinct=False)
    executor = ModelChoiceByIdFilter(label=_("Executor"), field_name="assignee", queryset=_visible_staff)
    unassigned = YesNoFilter(label=_("Unassigned"), field_name="assignee", lookup_expr="isnull")
    registered = django_filters.DateFromToRangeFilter(
        label=_("Registered"),
        field_name="registered_at__date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    deadline = django_filters.DateFromToRangeFilter(
        label=_("Due date"),
        field_name="due_date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    overdue = YesNoFilter(label=_("Overdue"), method="filter_overdue")
    due_within = extend_schema_field({"type": "number", "minimum": 0, "maximum": 60})(
        django_filters.NumberFilter(
            label=_("Due within, working days"), method="filter_due_within", min_value=0, max_value=60
        )
    )
    repeated = YesNoFilter(label=_("Repeated"), field_name="is_repeated")
    escalated = YesNoFilter(label=_("Escalated"), method="filter_escalated")
    extended = YesNoFilter(label=_("Extended"), method="filter_extended")
    redirected_in = YesNoFilter(
        label=_("Redirected from another body"),
        field_name="redirected_from",
        lookup_expr="isnull",
        exclude=True,
    )
    ordering = django_filters.OrderingFilter(label=_("Sort"), fields=ORDERING_FIELDS)

    class Meta:
        model = Appeal
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter's BaseFilterSet.__init__, but the filters copied one level deep rather than with
        # copy.deepcopy (which copied every filter's choices and querysets, and then the form copied the fields
        # made from them again: a tenth of a queue page's time). Each filter gets its own `extra` (the field's
        # arguments: ModelChoiceFilter puts the request's queryset there), so nothing made for one request is
        # seen by another.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {}
        for name, base in self.base_filters.items():
            filter_ = copy.copy(base)
            filter_.__dict__.pop("_field", None)
            filter_.extra = dict(base.extra)
            if base.method is not None:
                filter_.method = base.method  # a FilterMethod of its own, calling this FilterSet's method
            filter_.model = queryset.model
            filter_.parent = self
            self.filters[name] = filter_
        # Booleans are "yes / no / either" selects, so an unset box never filters.
        for name in (
            "open",
            "unassigned",
            "overdue",
            "repeated",
            "escalated",
            "extended",
            "redirected_in",
            "repeat",
            *DRILL_DOWN_BOOLEANS,
        ):
            self.filters[name].field.widget = forms.Select(
                choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
            )

    @property
    def form(self):
        """The form of the filters, whose fields are those the filters made for this FilterSet (made for it alone,
        so the copy Form.__init__ makes of a form class's fields is not needed)."""
        if not hasattr(self, "_form"):
            form = self._meta.form(self.data if self.is_bound else None, prefix=self.form_prefix)
            form.fields = {name: filter_.field for name, filter_ in self.filters.items()}
            self._form = form
        return self._form

    def filter_q(self, queryset: QuerySet[Appeal], name: str, value: str) -> QuerySet[Appeal]:
        return appeals_search(queryset, value)

    def filter_open(self, queryset: QuerySet[Appeal], name: str, value: bool | None) -> QuerySet[Appeal]:
        if value is None:
            return queryset
        open_statuses = sorted(OPEN_STATUSES)
        return queryset.filter(status__in=open_statuses) if value else queryset.exclude(status__in=open_statuses)

    def filter_queryset(self, queryset: QuerySet[Appeal]) -> QuerySet[Appeal]:
        # django-filter's loop, but an unchosen model multi-select (its value an empty queryset, `.none()`) is
        # skipped without asking the queryset whether it is empty, which compiled a query for each on every list.
        for name, value in self.form.cleaned_data.items():
            if isinstance(value, QuerySet) and value.query.is_empty():
                continue
            queryset = self.filters[name].filter(queryset, value)
        if self.form.cleaned_data.get("overdue") is True:
            queryset = _sorted_apart_from_age(queryset)
        return queryset

    def filter_overdue(self, queryset: QuerySet[Appeal], name: str, value: bool | None) -> QuerySet[Appeal]:
        if value is None:
            return queryset
        if value:
            return appeals_overdue(queryset)
        return queryset.exclude(status__in=sorted(OPEN_STATUSES), due_date__lt=local_today())

    def filter_due_within(self, queryset: QuerySet[Appeal], name: str, value) -> QuerySet[Appeal]:
        if value is None:
            return queryset
        today = local_today()
        limit = due_soon_limit(working_days=int(value), today=today)
        return queryset.filter(status__in=sorted(OPEN_STATUSES), due_date__gte=today, due_date__lte=limit)

    def filter_escalated(self, queryset: QuerySet[Appeal], name: str, value: bool | None) -> QuerySet[Appeal]:
        if value is None:
            return queryset
        condition = Q(escalated_at__isnull=False) | Q(escalated_from__isnull=False)
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_extended(self, queryset: QuerySet[Appeal], name: str, value: bool | None) -> QuerySet[Appeal]:
        if value is None:
            return queryset
        return queryset.filter(extension_count__gt=0) if value else queryset.filter(extension_count=0)

    # --- The dashboard's drill-down (appeals/dashboard/) -----------------------------------------------
    # Every number of the dashboard links to the queue with these parameters; tests check the queue's
    # count equals the number shown.
    agency_subtree = ModelChoiceByIdFilter(
        label=_("Agency with its subordinates"), queryset=_visible_agencies, method="filter_agency_subtree"
    )
    closed = django_filters.DateFromToRangeFilter(
        label=_("Closed"), method="filter_closed", widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )
    on_time = YesNoFilter(label=_("Closed on time"), method="filter_on_time")
    outcome = django_filters.MultipleChoiceFilter(label=_("Outcome"), choices=Outcome.choices, distinct=False)
    escalated_in = YesNoFilter(
        label=_("Complaint about a lower body"), field_name="escalated_from", lookup_expr="isnull", exclude=True
    )
    event = django_filters.ChoiceFilter(label=_("Action taken"), choices=DRILL_DOWN_EVENTS, method="filter_event")
    event_date = django_filters.DateFromToRangeFilter(
        label=_("Action date"),
        method="filter_event_options",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    event_late = YesNoFilter(label=_("Redirect after the limit"), method="filter_event_options")
    # The listening signals (appeals/listening/): repeats, and appeals citizens took over a body's head.
    repeat = YesNoFilter(label=_("Repeat appeal"), method="filter_repeat")
    taken_higher = django_filters.DateFromToRangeFilter(
        label=_("Taken over the body's head"),
        method="filter_taken_higher",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    escalated_from_agency = ModelChoiceByIdFilter(
        label=_("Escalated from the agency or its subordinates"),
        queryset=_visible_agencies,
        method="filter_escalated_from_agency",
    )

    def filter_agency_subtree(self, queryset: QuerySet[Appeal], name: str, value: Agency | None) -> QuerySet[Appeal]:
        return queryset.filter(agency__path__startswith=value.path) if value else queryset

    def filter_closed(self, queryset: QuerySet[Appeal], name: str, value) -> QuerySet[Appeal]:
        """Resolved in the range with any outcome but a redirect (the dashboard's "closed")."""
        if not value or (value.start is None and value.stop is None):
            return queryset
        queryset = closed_appeals(queryset)
        if value.start is not None:
            queryset = queryset.filter(resolved_at__gte=value.start)
        if value.stop is not None:
            queryset = queryset.filter(resolved_at__lte=value.stop)
        return queryset

    def filter_on_time(self, queryset: QuerySet[Appeal], name: str, value: bool | None) -> QuerySet[Appeal]:
        """Closed on or before the statutory due date (or, with `false`, after it)."""
        if value is None:
            return queryset
        if value:
            return closed_appeals(queryset).filter(resolved_at__date__lte=F("original_due_date"))
        return closed_appeals(queryset).filter(resolved_at__date__gt=F("original_due_date"))

    def filter_event(self, queryset: QuerySet[Appeal], name: str, value: str) -> QuerySet[Appeal]:
        """Appeals with an audit event of this kind (within event_date; late redirects with event_late)."""
        if not value:
            return queryset
        condition = Q(appeal=OuterRef("pk"), kind__in=DRILL_DOWN_EVENT_KINDS[value])
        dates = self.form.cleaned_data.get("event_date")
        if dates and dates.start is not None:
            condition &= Q(created_at__gte=dates.start)
        if dates and dates.stop is not None:
            condition &= Q(created_at__lte=dates.stop)
        late = self.form.cleaned_data.get("event_late")
        if late is not None:
            condition &= Q(payload__late=True) if late else ~Q(payload__late=True)
        return queryset.filter(Exists(AppealEvent.objects.filter(condition)))

    def filter_event_options(self, queryset: QuerySet[Appeal], name: str, value) -> QuerySet[Appeal]:
        return queryset  # read by filter_event

    def filter_repeat(self, queryset: QuerySet[Appeal], name: str, value: bool | None) -> QuerySet[Appeal]:
        """A repeat: flagged as repeated or linked to the earlier appeal of the same matter."""
        if value is None:
            return queryset
        condition = Q(is_repeated=True) | Q(repeat_of__isnull=False)
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_taken_higher(self, queryset: QuerySet[Appeal], name: str, value) -> QuerySet[Appeal]:
        """Appeals that citizens took over the body's head: another appeal, registered in the range (Almaty
        dates), names this one in escalated_from."""
        if not value or (value.start is None and value.stop is None):
            return queryset
        condition = Q(escalated_from=OuterRef("pk"))
        if value.start is not None:
            condition &= Q(registered_at__gte=value.start)
        if value.stop is not None:
            condition &= Q(registered_at__lte=value.stop)
        return queryset.filter(Exists(Appeal.objects.filter(condition)))

    def filter_escalated_from_agency(
        self, queryset: QuerySet[Appeal], name: str, value: Agency | None
    ) -> QuerySet[Appeal]:
        """Appeals written over the head of the agency (or its subordinates) about one of its appeals."""
        return queryset.filter(escalated_from__agency__path__startswith=value.path) if value else queryset


def closed_appeals(queryset: QuerySet[Appeal]) -> QuerySet[Appeal]:
    """Finished with any outcome but a redirect: a redirect is counted once, as a redirect out."""
    return (
        queryset.exclude(status__in=sorted(OPEN_STATUSES))
        .exclude(outcome=Outcome.REDIRECTED)
        .filter(resolved_at__isnull=False)
    )
