"""Signing in (in the language chosen on the sign-in page, else the user's own), switching the language
(remembered on the account), changing the password."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.utils.translation import check_for_language
from django.views.i18n import set_language as django_set_language

from agencies.services import user_set_language

# The session key under which a visitor's choice of language on the sign-in page waits for the sign-in.
SIGN_IN_LANGUAGE = "sign_in_language"


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class LoginView(auth_views.LoginView):
    """Django's sign-in. The language chosen on the sign-in page wins and is remembered on the account;
    without such a choice the interface speaks the language the user chose last time."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        chosen = self.request.session.pop(SIGN_IN_LANGUAGE, "")
        user = form.get_user()
        if chosen in dict(settings.LANGUAGES) and check_for_language(chosen):
            user_set_language(user=user, language=chosen)
        response = super().form_valid(form)
        language = user.language
        if language and check_for_language(language):
            _set_language_cookie(response, language)
        return response


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, which also remembers the choice on a signed-in user's account."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
    ):
        user_set_language(user=request.user, language=language)
    elif (
        request.method == "POST"
        and not request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
    ):
        # A visitor's choice before signing in: it wins over the account's language at sign-in.
        request.session[SIGN_IN_LANGUAGE] = language
    return response
