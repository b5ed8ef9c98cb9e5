"""Filters of the API's own lists (appeals use the one AppealFilterSet of appeals/filters.py)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from agencies.choices import AgencyKind, Region
from agencies.models import Agency

from ..choices import ResponseKind, ResponseStatus
from ..models import AppealResponse


class AppealResponseFilterSet(django_filters.FilterSet):
    appeal = django_filters.NumberFilter(label=_("Appeal id"), field_name="appeal_id", min_value=1)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ResponseKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ResponseStatus.choices)

    class Meta:
        model = AppealResponse
        fields: list[str] = []


class AgencyFilterSet(django_filters.FilterSet):
    region = django_filters.ChoiceFilter(label=_("Region"), choices=Region.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=AgencyKind.choices)
    parent = django_filters.NumberFilter(label=_("Parent agency id"), field_name="parent_id", min_value=1)
    code = django_filters.CharFilter(label=_("Code"), max_length=64)

    class Meta:
        model = Agency
        fields: list[str] = []
