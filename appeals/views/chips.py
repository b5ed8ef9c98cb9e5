"""The queue's active filters as chips above the list, each a link to the same list without it.

Built from the parameters and the filter form's own choices (already loaded for the panel): no query.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters.widgets import DateRangeWidget

from .common import NON_FILTER_PARAMS

# Parameters that are neither filters nor shown as chips.
NOT_CHIPS = NON_FILTER_PARAMS | {"ordering", "from"}


class Chip(NamedTuple):
    label: str
    remove_url: str


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).strftime("%d.%m.%Y")
    except ValueError:
        return text


def _choice_labels(field) -> dict[str, str]:
    labels: dict[str, str] = {}
    for value, label in getattr(field.widget, "choices", None) or getattr(field, "choices", None) or []:
        if isinstance(label, (list, tuple)):  # an optgroup
            labels.update({str(v): str(text) for v, text in label})
        else:
            labels[str(value)] = str(label)
    return labels


def _without(data: QueryDict, name: str, value: str) -> str:
    query = data.copy()
    for gone in ("page", "view"):
        query.pop(gone, None)
    query.setlist(name, [v for v in query.getlist(name) if v != value])
    if name in ("q", "qref"):
        query.pop("q", None)
        query.pop("qref", None)
    for key in list(query):
        if not any(query.getlist(key)):
            query.pop(key)
    return f"{reverse('appeals:list')}?{query.urlencode()}"


def filter_chips(data: QueryDict, form, *, queue_key: str) -> list[Chip]:
    """One chip per active filter value, in the order of the parameters."""
    data = data.copy()
    data.setdefault("queue", queue_key)
    ranges = {
        f"{name}{suffix}": (name, suffix)
        for name, field in form.fields.items()
        if isinstance(field.widget, DateRangeWidget)
        for suffix in ("_after", "_before")
    }
    chips: list[Chip] = []
    for name in data:
        values = [value for value in data.getlist(name) if value]
        if not values or (name in NOT_CHIPS and name != "qref"):
            continue
        if name == "qref":
            chips.append(Chip(_("Search: an IIN/BIN"), _without(data, name, values[-1])))
            continue
        if name == "q":
            if not data.get("qref"):
                chips.append(Chip(_("Search: %(text)s") % {"text": values[-1]}, _without(data, name, values[-1])))
            continue
        if name in ranges:
            field_name, suffix = ranges[name]
            pattern = _("%(field)s from %(date)s") if suffix == "_after" else _("%(field)s to %(date)s")
            label = pattern % {"field": form.fields[field_name].label, "date": _date(values[-1])}
            chips.append(Chip(label, _without(data, name, values[-1])))
            continue
        field = form.fields.get(name)
        if field is None:
            continue
        labels = _choice_labels(field)
        shown = values if len(values) > 1 else values[-1:]
        for value in shown:
            text = labels.get(value, value)
            chips.append(Chip(f"{field.label}: {text}", _without(data, name, value)))
    return chips
