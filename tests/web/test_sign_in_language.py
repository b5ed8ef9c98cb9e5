"""The language chosen on the sign-in page wins over the account's and is remembered (issue 16, point 3)."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from agencies.choices import Role

from ..conftest import member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("account", "chosen", "menu"), [("kk", "ru", "Мои обращения"), ("ru", "kk", "Менің өтініштерім")]
)
def test_the_language_chosen_before_signing_in_wins_and_is_saved(client, agency, account, chosen, menu):
    user = member(agency, Role.EXECUTOR, username="aruzhan", language=account)
    client.post(reverse("set_language"), {"language": chosen, "next": reverse("login")})
    response = client.post(reverse("login"), {"username": "aruzhan", "password": "pass-12345"})
    assert response.status_code == 302
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == chosen
    user.refresh_from_db()
    assert user.language == chosen
    page = client.get("/appeals/?queue=mine").content.decode()
    assert f'lang="{chosen}"' in page and menu in page


def test_without_a_choice_the_account_language_is_used(client, agency):
    member(agency, Role.EXECUTOR, username="aruzhan", language="kk")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"  # a stale cookie is no choice
    response = client.post(reverse("login"), {"username": "aruzhan", "password": "pass-12345"})
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "kk"


def test_a_failed_sign_in_keeps_the_choice_for_the_next_attempt(client, agency):
    user = member(agency, Role.EXECUTOR, username="aruzhan", language="kk")
    client.post(reverse("set_language"), {"language": "ru", "next": reverse("login")})
    client.post(reverse("login"), {"username": "aruzhan", "password": "wrong-one"})
    client.post(reverse("login"), {"username": "aruzhan", "password": "pass-12345"})
    user.refresh_from_db()
    assert user.language == "ru"


def test_the_choice_is_used_once(client, agency):
    user = member(agency, Role.EXECUTOR, username="aruzhan", language="kk")
    client.post(reverse("set_language"), {"language": "ru", "next": reverse("login")})
    client.post(reverse("login"), {"username": "aruzhan", "password": "pass-12345"})
    client.post(reverse("logout"))
    user.language = "kk"
    user.save(update_fields=["language"])
    response = client.post(reverse("login"), {"username": "aruzhan", "password": "pass-12345"})
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "kk"
