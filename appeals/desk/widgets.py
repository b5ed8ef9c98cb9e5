"""Form widgets drawn in Python where Django's template-per-option rendering is too slow.

The queue's filter panel holds selects of hundreds of options (a ministry head's executors, the
categories, the agencies of a subtree): rendering each <option> through Django's widget templates
took about a third of the queue page's time at national scale. These widgets write the same markup
as django/forms/widgets/select.html with format_html, so their HTML and escaping are unchanged.
"""

from __future__ import annotations

from html import escape as _html_escape

from django import forms
from django.core.exceptions import EmptyResultSet
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .rosters import roster_cached


def html_escape(value) -> str:
    """django.utils.html.conditional_escape without its lazy-text wrapper (called for every option and row)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return _html_escape(str(value))


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
            return f'<option value="{html_escape(text)}"{" selected" if selected else ""}>{html_escape(label)}</option>'

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


class FastCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """CheckboxSelectMultiple.render without its templates: django/forms/widgets/multiple_input.html,
    checkbox_option.html, input_option.html and input.html written in Python, whitespace included."""

    def render(self, name, value, attrs=None, renderer=None):
        if not any(isinstance(label, (list, tuple)) for _value, label in self.choices):
            return self._render_flat(name, value, attrs)
        widget = self.get_context(name, value, attrs)["widget"]
        wrapper = widget["attrs"]
        parts = [
            "<div",
            format_html(' id="{}"', wrapper["id"]) if wrapper.get("id") else "",
            format_html(' class="{}"', wrapper["class"]) if wrapper.get("class") else "",
            ">",
        ]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html("\n  <div><label>{}</label>", group))
            for option in options:
                parts.append("<div>\n    ")
                parts.append(_input_option(option))
                parts.append("\n</div>")
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped by format_html

    def _render_flat(self, name, value, attrs) -> str:
        """The same markup for choices without groups, with no per-option context dict (a ministry head's
        agency filter lists hundreds of agencies: the templates' way took half a second at 3 000). The
        options' attributes are flatatt's (sorted pairs, then sorted booleans); only the id and "checked"
        change from one option to the next, so the rest is written once."""
        final_attrs = self.build_attrs(self.attrs, attrs)
        wrapper_id = final_attrs.get("id")
        wanted = {str(v) for v in self.format_value(value)}
        name_html = html_escape(name)
        shared = {key: val for key, val in final_attrs.items() if key != "id"}
        pairs = sorted((k, v) for k, v in shared.items() if not isinstance(v, bool) and v is not None)
        before_id = "".join(f' {html_escape(k)}="{html_escape(v)}"' for k, v in pairs if k < "id")
        after_id = "".join(f' {html_escape(k)}="{html_escape(v)}"' for k, v in pairs if k > "id")
        flags = [k for k, v in shared.items() if v is True]
        plain_flags = "".join(f" {html_escape(k)}" for k in sorted(flags))
        checked_flags = "".join(f" {html_escape(k)}" for k in sorted({*flags, "checked"}))
        id_html = html_escape(wrapper_id) if wrapper_id else ""
        parts = [
            "<div",
            format_html(' id="{}"', wrapper_id) if wrapper_id else "",
            format_html(' class="{}"', final_attrs["class"]) if final_attrs.get("class") else "",
            ">",
        ]
        for index, (option_value, label) in enumerate(self.choices):
            text = "" if option_value is None else str(option_value)  # None stands for "" (optgroups)
            option_id = f"{id_html}_{index}" if wrapper_id else ""
            id_attr = f' id="{option_id}"' if wrapper_id else ""
            flags_html = checked_flags if text in wanted else plain_flags
            label_for = f' for="{option_id}"' if wrapper_id else ""
            parts.append(
                f'<div>\n    <label{label_for}><input type="checkbox" name="{name_html}" value="{html_escape(text)}"'
                f"{before_id}{id_attr}{after_id}{flags_html}>\n {html_escape(label)}</label>\n\n</div>"
            )
        parts.append("\n</div>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _input_option(option: dict) -> str:
    attrs = option["attrs"]
    value = option["value"]
    html = format_html(
        '<input type="{}" name="{}"{}{}>\n',
        option["type"],
        option["name"],
        format_html(' value="{}"', str(value)) if value is not None else "",
        _attrs(attrs),
    )
    if option["wrap_label"]:
        label_for = format_html(' for="{}"', attrs["id"]) if attrs.get("id") else ""
        html = format_html("<label{}>{} {}</label>", label_for, html, option["label"])
    return html + "\n"


def field_html(field) -> str:
    """templates/appeals/includes/field.html in Python (the same markup, whitespace included), for the
    queue's filter panel, whose two dozen fields made the include a good part of the page's time."""
    if field.is_hidden:
        return format_html("{}\n", field)
    errors = field.errors
    has_error = " has-error" if errors else ""
    errors_html = str(errors) if errors else ""
    help_html = (
        format_html('<div class="helptext" id="{}_helptext">{}</div>', field.auto_id, field.help_text)
        if field.help_text
        else ""
    )
    required = ' <span class="req" aria-hidden="true">*</span>' if field.field.required else ""
    # BoundField.widget_type is named after the widget's class: the fast widgets answer for Django's.
    widget_type = field.widget_type
    if isinstance(field.field.widget, FastCheckboxSelectMultiple):
        widget_type = "checkboxselectmultiple"
    if field.use_fieldset:
        kind = " radios" if widget_type == "radioselect" else ""
        kind += " checks" if widget_type == "checkboxselectmultiple" else ""
        return format_html(
            '\n<fieldset class="field{}{}">\n  <legend>{}{}</legend>\n  {}\n  {}\n  {}\n</fieldset>\n',
            has_error,
            kind,
            field.label,
            mark_safe(required),  # noqa: S308 - a constant
            field,
            help_html,
            errors_html,
        )
    if widget_type == "checkbox":
        return format_html(
            '\n<div class="field check{}">\n  {} <label for="{}">{}</label>\n  {}\n  {}\n</div>\n',
            has_error,
            field,
            field.id_for_label,
            field.label,
            help_html,
            errors_html,
        )
    return format_html(
        '\n<div class="field{}">\n  <label for="{}">{}{}</label>\n  {}\n  {}\n  {}\n</div>\n',
        has_error,
        field.id_for_label,
        field.label,
        mark_safe(required),  # noqa: S308 - a constant
        field,
        help_html,
        errors_html,
    )


# The columns each model's __str__ (the options' labels) reads: the options need nothing else (a ministry
# head's executor select lists some 330 staff).
LABEL_FIELDS = {
    "agencies.User": ("username", "first_name", "last_name"),
    "agencies.Agency": ("name_kk", "name_ru"),
    "agencies.Category": ("name_kk", "name_ru"),
}


def preload_model_choices(form: forms.Form, *, cache_key: str = "") -> None:
    """Give the form's model selects their options from one plain SELECT per queryset, shared by the fields
    over the same one (the filter panel's "agency" and "agency with its subordinates").

    Django's ModelChoiceIterator reads its queryset with .iterator() each time the widget is drawn, which on
    PostgreSQL is a server-side cursor: DECLARE, FETCH, CLOSE and the transaction around them. The options,
    their order, labels and the empty choice are the iterator's own.

    With `cache_key` (what the querysets depend on: the user, the desk's agency, the language), the options
    are kept as a roster (appeals/desk/rosters.py): a ministry head's filter panel lists some 330 staff, and
    building those lists was a tenth of the page's time.
    """
    fields = {name: field for name, field in form.fields.items() if isinstance(field, forms.ModelChoiceField)}

    def read() -> dict[str, list]:
        loaded: dict[str, list] = {}
        options: dict[str, list] = {}
        for name, field in fields.items():
            queryset = field.queryset
            try:
                sql = f"{queryset.model._meta.label} {queryset.query}"
            except EmptyResultSet:
                sql = ""  # .none(): no options and no query
            objects = loaded.get(sql)
            if objects is None:
                objects = loaded[sql] = _label_objects(queryset) if sql else []
            options[name] = [(field.prepare_value(obj), str(field.label_from_instance(obj))) for obj in objects]
        return options

    options = roster_cached(f"filter-options:{type(form).__name__}:{cache_key}", read) if cache_key else read()
    for name, field in fields.items():
        choices = [("", field.empty_label)] if field.empty_label is not None else []
        if getattr(field, "null_label", None) is not None:  # django-filter's "null" choice
            choices.append((field.null_value, field.null_label))
        field.widget.choices = choices + options[name]


def _label_objects(queryset) -> list:
    """The queryset's objects for their labels only. For the models of LABEL_FIELDS: bare instances with the
    id and the label's columns, read with values_list and made without Model.__init__ (a ministry head's
    executor select has some 330 options; building full model instances was most of its time)."""
    model = queryset.model
    fields = LABEL_FIELDS.get(model._meta.label)
    if not fields:
        return list(queryset)
    names = (model._meta.pk.attname, *fields)
    objects = []
    for values in queryset.values_list(*names):
        obj = model.__new__(model)
        obj.__dict__.update(zip(names, values, strict=True))
        objects.append(obj)
    return objects


def date_range_html(field) -> str:
    """A from–to date range of the filter panel: a legend and a label on each date input."""
    after, before = (list(field.value() or []) + ["", ""])[:2]
    name = field.html_name
    return format_html(
        '\n<fieldset class="field range"><legend>{}</legend>\n'
        '  <label class="inline-label" for="f-{}-after">{}</label>\n'
        '  <input type="date" id="f-{}-after" name="{}_after" value="{}">\n'
        '  <label class="inline-label" for="f-{}-before">{}</label>\n'
        '  <input type="date" id="f-{}-before" name="{}_before" value="{}">\n'
        "  {}\n</fieldset>\n",
        field.label,
        name,
        _("from"),
        name,
        name,
        after or "",
        name,
        _("to"),
        name,
        name,
        before or "",
        str(field.errors) if field.errors else "",
    )
