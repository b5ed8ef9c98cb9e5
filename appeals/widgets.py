"""Form widgets drawn in Python where Django's template-per-option rendering is too slow.

The queue's filter panel holds selects of hundreds of options (a ministry head's executors, the
categories, the agencies of a subtree): rendering each <option> through Django's widget templates
took about a third of the queue page's time at national scale. These widgets write the same markup
as django/forms/widgets/select.html with format_html, so their HTML and escaping are unchanged.
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    # Django's attrs.html: False is left out, True is a bare attribute, anything else name="value".
    return flatatt({name: value for name, value in attrs.items() if value is not False})


class PythonRenderedSelectMixin:
    """Select.render without the per-option context dicts and templates (same markup, same choices)."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        wanted = set(self.format_value(value))
        has_selected = False

        def option(option_value, label) -> str:
            nonlocal has_selected
            text = "" if option_value is None else str(option_value)
            selected = text in wanted and (not has_selected or self.allow_multiple_selected)
            has_selected |= selected
            return format_html('<option value="{}"{}>{}</option>', text, " selected" if selected else "", label)

        parts = [format_html('<select name="{}"{}>', name, _attrs(final_attrs))]
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                parts.append(format_html('<optgroup label="{}">', option_value))
                parts.extend(option(sub_value, sub_label) for sub_value, sub_label in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(option_value, label))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped by format_html


class FastSelect(PythonRenderedSelectMixin, forms.Select):
    pass


class FastSelectMultiple(PythonRenderedSelectMixin, forms.SelectMultiple):
    pass


def speed_up_selects(form: forms.Form) -> None:
    """Swap the plain selects of `form` for the Python-rendered ones (same choices and attributes)."""
    for field in form.fields.values():
        widget = field.widget
        replacement = {forms.Select: FastSelect, forms.SelectMultiple: FastSelectMultiple}.get(type(widget))
        if replacement is not None:
            widget.__class__ = replacement
