from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("Appeals")

    def ready(self):
        from . import security  # noqa: F401 - connects the sign-in signal receiver
        from .heap import install

        install()  # gc.freeze() after the first request (appeals/heap.py)

        from django.db.models.signals import post_delete, post_save

        from agencies.models import Agency, Category, Membership, User

        from .widgets import filter_options_changed

        # The filter panel's option lists (appeals/widgets.py) list these: a change starts new lists.
        for model in (Agency, Category, Membership, User):
            for signal in (post_save, post_delete):
                signal.connect(filter_options_changed, sender=model, dispatch_uid=f"filter-options-{model.__name__}")
