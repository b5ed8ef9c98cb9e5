"""The admin site, with the warnings an administrator must act on."""

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Models whose own verbose name is not translatable (a plain string in the third-party package):
# (app label, model name) -> the plural shown in the admin's lists of apps.
MODEL_NAMES = {
    ("otp_totp", "totpdevice"): gettext_lazy("TOTP devices"),
}


class OtinishAdminSite(admin.AdminSite):
    site_header = "Otinish Desk"
    site_title = "Otinish Desk"

    def index(self, request, extra_context=None):
        from appeals.calendar.overrides import calendar_missing_next_year

        year = calendar_missing_next_year()
        if year is not None:
            messages.warning(
                request,
                _(
                    "No calendar overrides are entered for %(year)s yet. Enter the government's decree on "
                    "moved days off under Calendar overrides, or deadlines in %(year)s will be computed "
                    "without it."
                )
                % {"year": year},
            )
        return super().index(request, extra_context)

    def _build_app_dict(self, request, label=None):
        app_dict = super()._build_app_dict(request, label)
        apps = [app_dict] if label is not None and app_dict else (app_dict or {}).values()
        for app in apps:
            for model in app["models"]:
                name = MODEL_NAMES.get((app["app_label"], model["object_name"].lower()))
                if name is not None:
                    model["name"] = name
        return app_dict


class OtinishAdminConfig(AdminConfig):
    default_site = "config.admin.OtinishAdminSite"
