"""Views of /api/v1/ around the appeals: their responses, the agencies and categories to choose from, the
integration's webhook endpoints, and who is calling (/me/). Thin, like views.py."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, Category

from ..access.integrations import (
    webhook_endpoint_create,
    webhook_endpoint_deactivate,
    webhook_endpoints_of,
)
from ..infra.replica import heavy_read
from ..models import AppealResponse, IntegrationScope, WebhookDelivery
from ..models.choices import ResponseStatus
from ..notices.webhooks import webhook_ping_create
from . import action_serializers as sa
from . import serializers as s
from .authentication import request_integration
from .filters import AgencyFilterSet, AppealResponseFilterSet
from .permissions import ANY_SCOPE
from .views import visible_appeals


@extend_schema_view(
    list=extend_schema(
        summary="List responses",
        description=(
            "Answers and notices of the appeals the caller may see (`?appeal=<id>` for one appeal). "
            "Integrations see only what was sent to the applicant."
        ),
    ),
    retrieve=extend_schema(summary="A response"),
)
class AppealResponseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = sa.AppealResponseSerializer
    filterset_class = AppealResponseFilterSet
    integration_scope = IntegrationScope.READ
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[AppealResponse]:
        queryset = AppealResponse.objects.filter(appeal__in=visible_appeals(self.request).values("pk"))
        if request_integration(self.request) is not None:
            queryset = queryset.filter(status=ResponseStatus.SENT)
        return queryset.select_related("appeal", "author").order_by("-created_at", "-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "public": request_integration(self.request) is not None}

    @heavy_read
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(summary="List agencies", description="Active state bodies, in tree order."),
    retrieve=extend_schema(summary="An agency"),
)
class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = sa.AgencySerializer
    filterset_class = AgencyFilterSet
    integration_scope = ANY_SCOPE
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Agency]:
        return Agency.objects.filter(is_active=True).order_by("path")


@extend_schema_view(
    list=extend_schema(summary="List categories", description="Active categories; `code` is what intake takes."),
    retrieve=extend_schema(summary="A category"),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = sa.CategorySerializer
    integration_scope = ANY_SCOPE
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[Category]:
        return Category.objects.filter(is_active=True).select_related("parent").order_by("code")


@extend_schema_view(
    list=extend_schema(summary="List your webhook endpoints"),
    retrieve=extend_schema(summary="A webhook endpoint"),
    destroy=extend_schema(summary="Stop a webhook endpoint", description="Deliveries stop; the log stays."),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Status webhooks of the calling integration (token with the `read` scope only)."""

    serializer_class = sa.WebhookEndpointSerializer
    integration_scope = IntegrationScope.READ
    staff_allowed = False
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        integration = request_integration(self.request)
        return webhook_endpoints_of(integration)

    @extend_schema(
        summary="Register a webhook endpoint",
        description=(
            "Each status change of the appeals this integration submitted is POSTed there, signed; the answer "
            "carries the signing `secret`, shown only now."
        ),
        request=sa.WebhookEndpointCreateSerializer,
        responses={201: sa.WebhookEndpointCreatedSerializer},
    )
    def create(self, request):
        serializer = sa.WebhookEndpointCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = webhook_endpoint_create(
            integration=request_integration(request),
            url=serializer.validated_data["url"],
            description=serializer.validated_data.get("description", ""),
        )
        body = sa.WebhookEndpointSerializer(endpoint).data
        return Response({**body, "secret": secret}, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        webhook_endpoint_deactivate(endpoint=instance)

    @extend_schema(
        summary="Send a test event",
        description="Queues a signed `ping` delivery to the endpoint; follow it in the deliveries.",
        request=None,
        responses={202: sa.WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        delivery = webhook_ping_create(endpoint=self.get_object())
        return Response(sa.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The endpoint's delivery log", responses=sa.WebhookDeliverySerializer(many=True), filters=False
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        queryset = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(sa.WebhookDeliverySerializer(page, many=True).data)


class MeView(APIView):
    """Who the API takes the caller for: check a token before anything else."""

    integration_scope = ANY_SCOPE

    @extend_schema(summary="Who am I", responses=sa.WhoAmISerializer, tags=["auth"])
    def get(self, request):
        integration = request_integration(request)
        if integration is not None:
            body = {
                "kind": "integration",
                "name": integration.name,
                "scopes": integration.scopes,
                "agency": s.AgencyRefSerializer(integration.agency).data,
            }
        else:
            body = {"kind": "staff", "name": request.user.display_name, "scopes": [], "agency": None}
        return Response(body)
