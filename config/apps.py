"""Third-party apps under names of our own, so the admin speaks kk and ru throughout.

django-axes has no verbose_name (the admin showed "Axes") and django-otp's TOTP plugin none either
("Otp_Totp"); their models' names are translated in our catalogues (locale/, which LOCALE_PATHS puts
first). INSTALLED_APPS names these classes instead of the bare packages.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in protection")


class TOTPConfig(TOTPAppConfig):
    verbose_name = _("Two-step sign-in")
