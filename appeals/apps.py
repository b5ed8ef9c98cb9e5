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

        from .models import CalendarOverride, SavedView
        from .rosters import rosters_changed

        # Cached rosters (appeals/rosters.py) are read from these (the calendar: the queues' dates): a change
        # starts new ones.
        for model in (Agency, Category, Membership, User, CalendarOverride, SavedView):
            for signal in (post_save, post_delete):
                signal.connect(rosters_changed, sender=model, dispatch_uid=f"rosters-{model.__name__}")

        from .menucounts import appeals_changed
        from .models import Appeal, AppealEvent

        # The side menu's counts (appeals/menucounts.py) are counted afresh after any change of an appeal: every
        # lifecycle action writes an event; registrations in bulk call appeals_changed themselves.
        for model, signals in ((Appeal, (post_save, post_delete)), (AppealEvent, (post_save,))):
            for signal in signals:
                signal.connect(appeals_changed, sender=model, dispatch_uid=f"menu-counts-{model.__name__}")
