"""The admin site, with the warnings an administrator must act on."""

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext as _


class OtinishAdminSite(admin.AdminSite):
    site_header = "Otinish Desk"
    site_title = "Otinish Desk"

    def index(self, request, extra_context=None):
        from appeals.services import calendar_missing_next_year

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


class OtinishAdminConfig(AdminConfig):
    default_site = "config.admin.OtinishAdminSite"
