"""GET /api/v1/signals/: the listening signals of a supervisor's subtree, as the dashboard shows them.

Thin: the dashboard's period form and scope (appeals.dashboard.periods / views), then
appeals.listening.signals. Staff signed in only, and only supervisors: the signals describe a whole
subtree, which an integration token (an agency's intake or status reader) has no business reading; a
token gets 403 "staff only", a member of staff who supervises nothing 403 too.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ..calendar.workdays import local_today
from ..dashboard.measures import QueueLink
from ..dashboard.periods import PERIOD_CHOICES, PeriodForm
from ..dashboard.views import supervised_agencies
from ..infra.replica import heavy_read
from ..models.choices import Channel
from .describe import signals_for
from .signals import KINDS, Signal


class PlaceSerializer(serializers.Serializer):
    region = serializers.CharField(allow_blank=True, help_text="The region's code (GET /api/v1/agencies/ lists them).")
    region_label = serializers.CharField(allow_blank=True)
    agency = serializers.DictField(
        allow_null=True, help_text="The body (id, code, name) of a per-body signal (repeat, escalation)."
    )


class SignalSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    label = serializers.CharField()
    place = PlaceSerializer()
    category = serializers.DictField(allow_null=True, help_text="id, code and name of the category.")
    channel = serializers.ChoiceField(
        choices=[("", "")] + list(Channel.choices), help_text="The channel carrying a channel-driven spike."
    )
    count = serializers.IntegerField(help_text="Appeals behind the signal.")
    applicants = serializers.IntegerField(allow_null=True, help_text="Distinct applicants among them.")
    baseline = serializers.FloatField(allow_null=True, help_text="The usual count (median of earlier periods).")
    score = serializers.FloatField(allow_null=True, help_text="See score_name: q-value, p-value or share.")
    score_name = serializers.CharField(allow_blank=True)
    share = serializers.FloatField(allow_null=True, help_text="Percent: repeats of received, or the channel's.")
    since = serializers.DateField()
    until = serializers.DateField()
    months = serializers.IntegerField(allow_null=True, help_text="Long-standing: consecutive months above.")
    answered = serializers.IntegerField(allow_null=True, help_text="Long-standing: of them answered on the merits.")
    labels = serializers.ListField(child=serializers.CharField())
    queue_url = serializers.CharField(help_text="The queue page of the appeals behind the signal.")
    appeals_url = serializers.CharField(help_text="The same appeals from GET /api/v1/appeals/.")


class SignalListSerializer(serializers.Serializer):
    agency = serializers.DictField()
    period = serializers.DictField()
    history_periods = serializers.IntegerField(help_text="Earlier periods of this length held by the desk.")
    signals = SignalSerializer(many=True)


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "code": obj.code, "name": obj.name} if obj is not None else None


class SignalData:
    """Each signal as the API gives it. The queue's and the API's addresses are looked up once for a response and
    each region's label once (the whole country's month holds some 670 signals, each address two reverse() calls
    away); the addresses are those of Signal.url and Signal.api_url."""

    def __init__(self) -> None:
        self.queue_url = QueueLink()
        self.api_base = reverse("api:appeal-list")
        self.regions: dict[str, str] = {}

    def __call__(self, signal: Signal) -> dict:
        url = self.queue_url(**signal.query)
        region = self.regions.get(signal.region)
        if region is None:
            region = self.regions[signal.region] = signal.region_label
        return {
            "kind": signal.kind,
            "label": signal.kind_label,
            "place": {"region": signal.region, "region_label": region, "agency": _ref(signal.agency)},
            "category": _ref(signal.category),
            "channel": signal.channel,
            "count": signal.count,
            "applicants": signal.applicants,
            "baseline": signal.baseline,
            "score": signal.score,
            "score_name": signal.score_name,
            "share": signal.share,
            "since": signal.since.isoformat(),
            "until": signal.until.isoformat(),
            "months": signal.months,
            "answered": signal.answered,
            "labels": signal.labels,
            "queue_url": url,
            "appeals_url": url.replace(self.queue_url.base, self.api_base, 1),
        }


class SignalListView(APIView):
    """The signals of what is unusual in the caller's subtree for a period."""

    integration_scope = None  # staff only
    validates_query = True  # the period form: a 400 names the wrong parameter

    @extend_schema(
        summary="Signals of what is unusual",
        description=(
            "Hotspots, new topics, long-standing problems, channel-driven spikes, many appeals from few people, "
            "repeats and appeals taken over a body's head, for a supervisor's agency subtree and the dashboard's "
            "period. For supervisors signed in (session); integration tokens are refused. Each signal links to "
            "the appeals behind it (queue_url for the page, appeals_url for this API)."
        ),
        parameters=[
            OpenApiParameter("agency", OpenApiTypes.INT, description="The supervised agency (default: the first)."),
            OpenApiParameter("period", OpenApiTypes.STR, enum=[c for c, _l in PERIOD_CHOICES], description="month"),
            OpenApiParameter("date", OpenApiTypes.DATE, description="A day of the period (default today)."),
            OpenApiParameter("start", OpenApiTypes.DATE, description="A custom period's first day."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="A custom period's last day."),
        ],
        responses=SignalListSerializer,
        tags=["signals"],
    )
    @heavy_read
    def get(self, request):
        agencies = supervised_agencies(request.user)
        if not agencies:
            raise PermissionDenied(_("Signals are for supervisors: you supervise no agency."))
        today = local_today()
        form = PeriodForm(request.query_params or None, agencies=agencies, today=today)
        if form.is_bound and not form.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        by_id = {a.pk: a for a in agencies}
        root = by_id.get(form.cleaned_data.get("agency")) if form.is_bound else None
        if form.is_bound and form.cleaned_data.get("agency") and root is None:
            raise ValidationError({"agency": [_("You do not supervise this agency.")]})
        root = root or agencies[0]
        period = form.chosen_period()
        found = signals_for(root=root, period=period, today=today)
        signal_data = SignalData()
        return Response(
            {
                "agency": _ref(root),
                "period": {"kind": period.kind, "start": period.start.isoformat(), "end": period.end.isoformat()},
                "history_periods": found.history_periods,
                "signals": [signal_data(s) for s in found.signals],
            }
        )
