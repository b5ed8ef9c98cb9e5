"""Filters of the API's own lists (appeals use the one AppealFilterSet of appeals/desk/filters.py)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.choices import AgencyKind, Region
from agencies.models import Agency

from ..models import AppealResponse
from ..models.choices import ResponseKind, ResponseStatus

MAX_ID = 2**63 - 1  # the largest id a database integer holds


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """The id of a row: a whole number from 1 (1.5, 0 and -3 answer 400), as the schema says."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class AppealResponseFilterSet(django_filters.FilterSet):
    appeal = IdFilter(label=_("Appeal id"), field_name="appeal_id")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ResponseKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ResponseStatus.choices)

    class Meta:
        model = AppealResponse
        fields: list[str] = []


class AgencyFilterSet(django_filters.FilterSet):
    region = django_filters.ChoiceFilter(label=_("Region"), choices=Region.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=AgencyKind.choices)
    parent = IdFilter(label=_("Parent agency id"), field_name="parent_id")
    code = django_filters.CharFilter(label=_("Code"), max_length=64)

    class Meta:
        model = Agency
        fields: list[str] = []


class ApiFilterBackend(DjangoFilterBackend):
    """django-filter as on the staff pages, except that an empty value of a parameter that is not free text
    (`?registered_after=`, `?status=`, `?agency=`) answers 400 instead of being ignored: the schema types it
    (a date, a choice, an id), and "" is none of them. Leave the parameter out to not filter by it."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        for key, values in request.query_params.lists():
            if any(value != "" for value in values):
                continue
            name = key if key in filterset.filters else key.rsplit("_", 1)[0]
            declared = filterset.filters.get(name)
            if declared is not None and not isinstance(declared, django_filters.CharFilter):
                raise serializers.ValidationError({key: [_("Give a value, or leave the parameter out.")]})
        return filterset
