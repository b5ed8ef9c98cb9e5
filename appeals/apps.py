from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("Appeals")

    def ready(self):
        from . import security  # noqa: F401 - connects the sign-in signal receiver
        from .heap import install

        install()  # gc.freeze() after the first request (appeals/heap.py)
