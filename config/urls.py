from django.contrib import admin
from django.urls import include, path

from appeals.api.urls import open311_urlpatterns
from appeals.views import account, otp
from appeals.views.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", account.LoginView.as_view(), name="login"),
    path("accounts/otp/verify/", otp.otp_verify, name="otp_verify"),
    path("account/two-step/", otp.otp_setup, name="otp_setup"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("account/", include("agencies.urls")),
    path("i18n/setlang/", account.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("appeals.api.urls", namespace="api")),
    path("open311/", include((open311_urlpatterns, "open311"), namespace="open311")),
    path("", include("appeals.urls")),
]
