from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("Appeals")

    def ready(self):
        from .infra import security  # noqa: F401 - connects the sign-in signal receiver
        from .infra.heap import install

        install()  # gc.freeze() after the first request (appeals/infra/heap.py)
        self._connect_the_edges()
        self._connect_cache_signals()

    @staticmethod
    def _connect_the_edges():
        """Wire the outer parts into the inner ones, so that no inner module imports an outer one.

        The outbox, the webhooks and matter matching start Celery tasks through appeals.infra.handoff; the
        mailer builds the weekly signals email through the builder appeals.listening registers (it reads the
        dashboard). See tests/test_layering.py for the layers.
        """
        from . import tasks
        from .infra import handoff
        from .listening.emails import signals_message
        from .models.choices import NoticeKind
        from .notices.mailer import message_builder_register

        handoff.connect(tasks.HANDOFFS)
        message_builder_register(NoticeKind.SIGNALS, signals_message)

    @staticmethod
    def _connect_cache_signals():
        from django.db.models.signals import post_delete, post_save

        from agencies.models import Agency, Category, CategoryRoute, Membership, User

        from .infra.rosters import rosters_changed
        from .models import CalendarOverride, SavedView

        # Cached rosters (appeals/infra/rosters.py) are read from these (the calendar: the queues' dates; the routes:
        # the intake's): a change starts new ones.
        for model in (Agency, Category, CategoryRoute, Membership, User, CalendarOverride, SavedView):
            for signal in (post_save, post_delete):
                signal.connect(rosters_changed, sender=model, dispatch_uid=f"rosters-{model.__name__}")

        from .access.menucounts import appeals_changed
        from .models import Appeal, AppealEvent

        # The side menu's counts (appeals/access/menucounts.py) are counted afresh after any change of an appeal: every
        # lifecycle action writes an event; registrations in bulk call appeals_changed themselves.
        for model, signals in ((Appeal, (post_save, post_delete)), (AppealEvent, (post_save,))):
            for signal in signals:
                signal.connect(appeals_changed, sender=model, dispatch_uid=f"menu-counts-{model.__name__}")
