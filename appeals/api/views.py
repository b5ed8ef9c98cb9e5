"""Views of /api/v1/: thin. Reads build on appeals_visible_to (staff) or appeals_visible_to_integration
(tokens); writes call appeals.lifecycle / appeals.api.intake. Anything outside the caller's agencies is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from .. import lifecycle
from ..access.integrations import (
    appeals_visible_to_integration,
)
from ..access.routes import categories_by_code
from ..access.selectors import appeal_timeline, appeals_for_display, appeals_page_links, appeals_visible_to, ordered
from ..desk.filters import AppealFilterSet
from ..infra.replica import heavy_read
from ..lifecycle import ApplicantData
from ..models import Appeal, AppealEvent, AppealResponse, Attachment, IntegrationScope
from ..models.choices import EventKind
from ..routing.selectors import routing_suggest
from ..routing.services import appeal_text
from . import action_serializers as sa
from . import intake_serializers as si
from . import serializers as s
from .authentication import request_integration
from .intake import IntakeData, appeal_intake, appeals_intake_batch, request_fingerprint
from .parsers import CheckedFormParser, CheckedMultiPartParser

ROUTE_SUGGESTIONS = OpenApiParameter(
    "route_suggestions",
    OpenApiTypes.BOOL,
    OpenApiParameter.QUERY,
    required=False,
    description=(
        "Optional, default false. true: the receipt's `route_suggestions` holds what the routing model reads in "
        "the text (as POST /api/v1/appeals/suggest/ answers); false: it is null."
    ),
)

# Events an integration does not see in a timeline: they are internal to the agency.
INTERNAL_EVENT_KINDS = frozenset({EventKind.NOTE_ADDED, EventKind.PERSONAL_DATA_REVEALED})

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional. A retry with the same key returns the first appeal (200); the same key with a different "
        "body is a 422. At most 255 characters."
    ),
)


def visible_appeals(request) -> QuerySet[Appeal]:
    """The appeals the caller may see: a token's agency scope, or the staff member's agencies."""
    integration = request_integration(request)
    if integration is not None:
        return appeals_visible_to_integration(integration)
    return appeals_visible_to(request.user)


def appeals_for_api(queryset: QuerySet[Appeal]) -> QuerySet[Appeal]:
    """What an appeal's representation shows, in a fixed number of queries whatever the page size."""
    return appeals_for_display(queryset).prefetch_related(
        Prefetch("redirected_to", queryset=Appeal.objects.select_related("agency").order_by("id")),
        Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")),
    )


def appeal_links_for_api(appeals: list[Appeal]) -> dict[str, dict[int, list]]:
    """The appeals each one was redirected to and its attachments, for a page of the list (one query).

    The list reads them itself rather than with prefetch_related: a prefetched related manager's queryset
    points back to its appeal, a reference cycle that left every appeal of a page (with its agency, executor
    and category) to the cycle collector, whose full collections were the list's slowest requests.
    """
    redirected_to, attachments = appeals_page_links([appeal.pk for appeal in appeals])
    return {"redirected_to": redirected_to, "attachments": attachments}


def _intake_data(data: dict[str, Any]) -> IntakeData:
    """The validated body of an intake (AppealIntakeSerializer) as the intake service takes it."""
    applicant = data["applicant"]
    return IntakeData(
        kind=data["kind"],
        channel=data["channel"],
        language=data["language"],
        region=data["region"],
        subject=data["subject"],
        text=data["text"],
        applicant=ApplicantData(
            type=applicant["type"],
            name=applicant["full_name"],
            iin=applicant.get("iin", ""),
            bin=applicant.get("bin", ""),
            email=applicant.get("email", ""),
            phone=applicant.get("phone", ""),
            address=applicant.get("address", ""),
        ),
        category=data.get("category"),
        agency=data.get("agency"),
        received_at=data.get("received_at"),
        external_id=data["external_id"],
        attachments=[item["upload"] for item in data.get("attachments", [])],
    )


@extend_schema_view(
    list=extend_schema(
        summary="List appeals",
        description=(
            "The appeals the caller may see (a token: its agency and those under it; staff: as on the queue "
            "pages). Filters are the queue pages' own: `?status=registered&status=in_progress&overdue=true&q=…`."
        ),
    ),
    retrieve=extend_schema(summary="An appeal, with its status and due date"),
)
class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AppealSerializer
    filterset_class = AppealFilterSet
    lookup_value_regex = r"[0-9]+"
    # Errors of the services name these fields; the API calls them so.
    service_field_names = {"file": "file"}

    _SCOPES = {
        "list": IntegrationScope.READ,
        "retrieve": IntegrationScope.READ,
        "timeline": IntegrationScope.READ,
        "create": IntegrationScope.INTAKE,
        "batch": IntegrationScope.INTAKE,
        "attachments": IntegrationScope.INTAKE,
        "suggest": IntegrationScope.INTAKE,
    }

    def get_integration_scope(self) -> str | None:
        return self._SCOPES.get(self.action)

    def get_queryset(self) -> QuerySet[Appeal]:
        if self.action == "list":  # the page's redirects and attachments: appeal_links_for_api
            queryset = visible_appeals(self.request).select_related("agency", "category", "assignee")
        else:
            queryset = appeals_for_api(visible_appeals(self.request))
        return queryset.order_by("-registered_at", "-id")

    @heavy_read
    def list(self, request, *args, **kwargs):
        queryset = ordered(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(queryset)
        appeals = list(queryset if page is None else page)
        context = {**self.get_serializer_context(), **appeal_links_for_api(appeals)}
        data = s.AppealSerializer(appeals, many=True, context=context).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def _appeal(self, pk) -> Appeal:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _reloaded(self, appeal: Appeal) -> Appeal:
        return appeals_for_api(Appeal.objects.filter(pk=appeal.pk)).get()

    # --- Intake ----------------------------------------------------------------------------------
    @extend_schema(
        summary="Submit an appeal (intake)",
        description=(
            "Registers the appeal and answers 201 with its registration number, agency and due date. "
            "Idempotent: the same `external_id` from the same integration, or the same `Idempotency-Key` "
            "header, answers 200 with the first appeal and never creates a second one. Without `agency` the "
            "appeal goes to the agency that handles its category in its region. Without either, an integration "
            "that opted in to automatic routing has them chosen by the routing model when it is sure enough "
            "(the decision is in the appeal's timeline). With `?route_suggestions=true`, `route_suggestions` "
            "holds the model's three most probable categories for the text, as POST /api/v1/appeals/suggest/ "
            "answers; without it, `route_suggestions` is null (reading the text costs the server about as much "
            "as the rest of the intake: ask for it only where it is shown). Needs the `intake` scope."
        ),
        request=si.AppealIntakeSerializer,
        parameters=[IDEMPOTENCY_KEY, ROUTE_SUGGESTIONS],
        responses={
            201: OpenApiResponse(si.AppealIntakeCreatedSerializer, description="Registered."),
            200: OpenApiResponse(
                si.AppealIntakeCreatedSerializer, description="A retry: the appeal registered before."
            ),
        },
    )
    def create(self, request):
        options = si.IntakeOptionsSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        # The categories come from memory (appeals.access.routes), not a query per intake.
        serializer = si.AppealIntakeSerializer(data=request.data, context={"categories": categories_by_code()})
        serializer.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 255:
            raise serializers.ValidationError({"Idempotency-Key": [_("The key is at most 255 characters.")]})
        intake = _intake_data(serializer.validated_data)
        integration = request_integration(request)
        appeal, created = appeal_intake(
            integration=integration,
            user=None if integration is not None else request.user,
            data=intake,
            idempotency_key=key,
            fingerprint=request_fingerprint(request.data) if key else "",  # only a key's retry compares it
        )
        # The receipt is drawn from the appeal as registered (its agency loaded): no query to read it back.
        suggested = None
        if options.validated_data["route_suggestions"]:
            suggested = routing_suggest(text=appeal_text(appeal.subject, appeal.text), region=appeal.region)
        body = si.AppealIntakeCreatedSerializer(
            appeal, context={"request": request, "route_suggestions": suggested}
        ).data
        return Response(
            body,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": body["url"]},
        )

    @extend_schema(
        summary="Submit a batch of appeals (intake)",
        description=(
            "Registers up to INTAKE_BATCH_MAX (default 100) appeals in one request, all or none, and answers "
            "with each one's receipt in the order sent: 201 when at least one was registered, 200 when every "
            "one had been sent before. Each appeal is written as for POST /api/v1/appeals/ without attachments "
            "and needs its own `external_id`, unique in the batch: an appeal sent before is answered with the "
            "first one (`created`: false), so a retried batch never registers twice. If any appeal is refused, "
            "the 400 names each refused one as `appeals.<index>.<field>` and nothing is registered. "
            "For integrations (a token with the `intake` scope)."
        ),
        request=si.AppealBatchIntakeSerializer,
        responses={
            201: OpenApiResponse(
                si.AppealBatchAnswerSerializer, description="Registered (some may have been sent before)."
            ),
            200: OpenApiResponse(
                si.AppealBatchAnswerSerializer, description="A retry: every appeal had been registered before."
            ),
        },
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def batch(self, request):
        integration = request_integration(request)
        if integration is None:
            raise PermissionDenied(
                _("Batches are for integrations (a token with the intake scope); register appeals one at a time.")
            )
        if request.headers.get("Idempotency-Key"):
            raise serializers.ValidationError(
                {
                    "Idempotency-Key": [
                        _("A batch is made safe to retry by each appeal's external_id; send it without this header.")
                    ]
                }
            )
        serializer = si.AppealBatchIntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        results = appeals_intake_batch(
            integration=integration, items=[_intake_data(item) for item in serializer.validated_data["appeals"]]
        )
        # The receipts show the appeals' own fields and their agencies: one query for the batch.
        loaded = Appeal.objects.select_related("agency").in_bulk([appeal.pk for appeal, _created in results])
        created = {appeal.pk for appeal, was_created in results if was_created}
        body = si.AppealBatchCreatedSerializer(
            [loaded[appeal.pk] for appeal, _created in results],
            many=True,
            context={"request": request, "created": created},
        ).data
        return Response({"appeals": body}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Suggest the category and the competent body from the text",
        description=(
            "The routing model's three most probable categories for the subject and text, with calibrated "
            "probabilities and the body each category routes to in the region. Registers nothing. "
            "`model_version` is null and the list empty while no model is trained. Needs the `intake` scope "
            "(or a staff session)."
        ),
        request=si.SuggestRequestSerializer,
        responses=si.SuggestAnswerSerializer,
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def suggest(self, request):
        serializer = si.SuggestRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version, suggestions = routing_suggest(text=appeal_text(data["subject"], data["text"]), region=data["region"])
        return Response(si.SuggestAnswerSerializer({"model_version": version, "suggestions": suggestions}).data)

    # --- Reads ---------------------------------------------------------------------------------------
    @extend_schema(
        summary="The appeal's timeline",
        description=(
            "Every recorded step, oldest first. Integrations see the steps without internal notes, actors or details."
        ),
        responses=sa.AppealEventSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def timeline(self, request, pk=None):
        appeal = self._appeal(pk)
        events = appeal_timeline(appeal)
        public = request_integration(request) is not None
        if public:
            events = events.exclude(kind__in=sorted(INTERNAL_EVENT_KINDS))
        return Response(sa.AppealEventSerializer(events, many=True, context={"public": public}).data)

    # --- Lifecycle actions (staff, signed in) --------------------------------------------------------
    def _act(
        self,
        request,
        pk,
        input_serializer: type[serializers.Serializer],
        call: Callable[[Appeal, dict[str, Any]], Any],
    ) -> Appeal:
        appeal = self._appeal(pk)
        serializer = input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call(appeal, serializer.validated_data)
        return self._reloaded(appeal)

    def _appeal_response(self, appeal: Appeal) -> Response:
        return Response(s.AppealSerializer(appeal, context={"request": self.request}).data)

    @extend_schema(summary="Take into work (executor)", request=sa.EmptySerializer, responses=s.AppealSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def take(self, request, pk=None):
        return self._appeal_response(
            self._act(request, pk, sa.EmptySerializer, lambda a, d: lifecycle.appeal_take(appeal=a, actor=request.user))
        )

    @extend_schema(
        summary="Assign to an executor (supervisor)", request=sa.AssignSerializer, responses=s.AppealSerializer
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def assign(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request,
                pk,
                sa.AssignSerializer,
                lambda a, d: lifecycle.appeal_assign(appeal=a, executor=d["executor"], actor=request.user),
            )
        )

    @extend_schema(
        summary="Redirect to the competent agency (registrar, supervisor)",
        description="With `part_text`, only that part goes and the appeal stays open here.",
        request=sa.RedirectSerializer,
        responses=s.AppealSerializer,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def redirect(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request,
                pk,
                sa.RedirectSerializer,
                lambda a, d: lifecycle.appeal_redirect(
                    appeal=a,
                    to_agency=d["to_agency"],
                    actor=request.user,
                    reason=d["reason"],
                    part_text=d.get("part_text", ""),
                ),
            )
        )

    @extend_schema(
        summary="Ask for an extension (executor)", request=sa.ExtensionSerializer, responses=s.AppealSerializer
    )
    @action(detail=True, methods=["post"], url_path="request-extension", filterset_class=None)
    def request_extension(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request,
                pk,
                sa.ExtensionSerializer,
                lambda a, d: lifecycle.appeal_request_extension(
                    appeal=a, actor=request.user, until=d["until"], reason=d["reason"]
                ),
            )
        )

    @extend_schema(
        summary="Extend the term (supervisor)",
        description="At most two months from registration in all; the applicant is told.",
        request=sa.ExtensionSerializer,
        responses=s.AppealSerializer,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def extend(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request,
                pk,
                sa.ExtensionSerializer,
                lambda a, d: lifecycle.appeal_grant_extension(
                    appeal=a, actor=request.user, until=d["until"], reason=d["reason"]
                ),
            )
        )

    @extend_schema(
        summary="Add an internal note",
        request=sa.NoteSerializer,
        responses={201: sa.AppealEventSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def notes(self, request, pk=None):
        appeal = self._appeal(pk)
        serializer = sa.NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = lifecycle.appeal_add_note(appeal=appeal, actor=request.user, text=serializer.validated_data["text"])
        event = AppealEvent.objects.select_related("actor").get(pk=event.pk)
        return Response(sa.AppealEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Draft the answer (executor)",
        description="Creates or replaces the draft; it is written in the appeal's language unless said otherwise.",
        request=sa.RespondSerializer,
        responses=sa.AppealResponseSerializer,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def respond(self, request, pk=None):
        appeal = self._appeal(pk)
        serializer = sa.RespondSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        response = lifecycle.appeal_save_response(
            appeal=appeal,
            actor=request.user,
            text=data["text"],
            language=data.get("language"),
            outcome=data.get("outcome", ""),
        )
        response = AppealResponse.objects.select_related("appeal", "author").get(pk=response.pk)
        return Response(sa.AppealResponseSerializer(response).data)

    @extend_schema(summary="Submit the answer for approval", request=sa.EmptySerializer, responses=s.AppealSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def submit(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request, pk, sa.EmptySerializer, lambda a, d: lifecycle.appeal_submit(appeal=a, actor=request.user)
            )
        )

    @extend_schema(
        summary="Return the answer for rework (supervisor)", request=sa.ReturnSerializer, responses=s.AppealSerializer
    )
    @action(detail=True, methods=["post"], url_path="return", filterset_class=None)
    def return_for_rework(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request,
                pk,
                sa.ReturnSerializer,
                lambda a, d: lifecycle.appeal_return(appeal=a, actor=request.user, comment=d["comment"]),
            )
        )

    @extend_schema(
        summary="Approve and send the answer (supervisor)", request=sa.ApproveSerializer, responses=s.AppealSerializer
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request,
                pk,
                sa.ApproveSerializer,
                lambda a, d: lifecycle.appeal_approve(appeal=a, actor=request.user, outcome=d.get("outcome", "")),
            )
        )

    @extend_schema(
        summary="Leave without consideration (supervisor)", request=sa.LeaveSerializer, responses=s.AppealSerializer
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def leave(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request,
                pk,
                sa.LeaveSerializer,
                lambda a, d: lifecycle.appeal_leave_without_consideration(
                    appeal=a, actor=request.user, reason=d["reason"], comment=d.get("comment", "")
                ),
            )
        )

    @extend_schema(summary="Terminate (supervisor)", request=sa.TerminateSerializer, responses=s.AppealSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def terminate(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request,
                pk,
                sa.TerminateSerializer,
                lambda a, d: lifecycle.appeal_terminate(
                    appeal=a, actor=request.user, reason=d["reason"], comment=d.get("comment", "")
                ),
            )
        )

    @extend_schema(summary="Close an answered appeal", request=sa.EmptySerializer, responses=s.AppealSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def close(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request, pk, sa.EmptySerializer, lambda a, d: lifecycle.appeal_close(appeal=a, actor=request.user)
            )
        )

    @extend_schema(
        summary="Reopen a finished appeal (supervisor)", request=sa.ReopenSerializer, responses=s.AppealSerializer
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def reopen(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request,
                pk,
                sa.ReopenSerializer,
                lambda a, d: lifecycle.appeal_reopen(appeal=a, actor=request.user, reason=d["reason"]),
            )
        )

    @extend_schema(
        summary="Escalate an overdue appeal (supervisor)", request=sa.EmptySerializer, responses=s.AppealSerializer
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def escalate(self, request, pk=None):
        return self._appeal_response(
            self._act(
                request, pk, sa.EmptySerializer, lambda a, d: lifecycle.appeal_escalate(appeal=a, actor=request.user)
            )
        )

    @extend_schema(
        summary="Attach a file",
        description=(
            "multipart/form-data with one `file`: PDF, PNG, JPEG, DOC, DOCX or plain text (judged by the content), "
            "at most 10 MB, at most 10 per appeal. Staff, or the integration that submitted the appeal (`intake`)."
        ),
        request={"multipart/form-data": sa.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[CheckedMultiPartParser, CheckedFormParser],
        filterset_class=None,
    )
    def attachments(self, request, pk=None):
        appeal = self._appeal(pk)
        integration = request_integration(request)
        if integration is not None and appeal.integration_id != integration.pk:
            raise lifecycle.AppealPermissionError(
                _("An integration may attach files only to the appeals it submitted."), code="permission"
            )
        serializer = sa.AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = lifecycle.appeal_add_attachment(
            appeal=appeal,
            actor=None if integration is not None else request.user,
            upload=serializer.validated_data["file"],
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)
