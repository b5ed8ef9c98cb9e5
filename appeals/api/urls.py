"""URLs of the API (/api/) and of Open311 (/open311/v2/); included from config/urls.py."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from ..listening.api import SignalListView
from . import directory, open311, views
from .exceptions import api_not_found

app_name = "api"


class Router(DefaultRouter):
    include_root_view = False


class LocalOnly:
    """The docs pages may load nothing from outside this server, even what a bundle links to itself
    (Redoc's footer logo): the browser enforces it with a Content-Security-Policy."""

    CSP = (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "frame-ancestors 'none'"
    )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = self.CSP
        return response


class SwaggerView(LocalOnly, SpectacularSwaggerView):
    pass


class RedocView(LocalOnly, SpectacularRedocView):
    pass


router = Router(trailing_slash=True)
router.register("appeals", views.AppealViewSet, basename="appeal")
router.register("responses", directory.AppealResponseViewSet, basename="response")
router.register("agencies", directory.AgencyViewSet, basename="agency")
router.register("categories", directory.CategoryViewSet, basename="category")
router.register("webhooks", directory.WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/me/", directory.MeView.as_view(), name="me"),
    path("v1/signals/", SignalListView.as_view(), name="signals"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
    re_path(r"", api_not_found),  # anything else under /api/: a JSON 404
]

open311_urlpatterns = [
    re_path(r"^v2/[\s\S]*\.xml$", open311.open311_xml_not_supported),
    path("v2/services.json", open311.ServiceListView.as_view(), name="services"),
    re_path(r"^v2/services/(?P<code>[-a-zA-Z0-9_]+)\.json$", open311.ServiceDefinitionView.as_view(), name="service"),
    path("v2/requests.json", open311.RequestListView.as_view(), name="requests"),
    re_path(r"^v2/requests/(?P<number>[-A-Za-z0-9_]+)\.json$", open311.RequestDetailView.as_view(), name="request"),
    re_path(r"", open311.open311_not_found),
]
