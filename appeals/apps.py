from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("Appeals")

    def ready(self):
        from .infra import security  # noqa: F401 - connects the sign-in signal receiver
        from .infra.heap import install

        install()  # gc.freeze() after the first request (appeals/heap.py)

        from django.db.models.signals import post_delete, post_save

        from agencies.models import Agency, Category, Membership, User

        from .desk.rosters import rosters_changed
        from .models import CalendarOverride, SavedView

        # Cached rosters (appeals/rosters.py) are read from these (the calendar: the queues' dates): a change
        # starts new ones.
        for model in (Agency, Category, Membership, User, CalendarOverride, SavedView):
            for signal in (post_save, post_delete):
                signal.connect(rosters_changed, sender=model, dispatch_uid=f"rosters-{model.__name__}")
