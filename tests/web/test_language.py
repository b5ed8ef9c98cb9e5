"""Languages: the interface in Kazakh and Russian, the choice remembered on the account and used at sign-in."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_switching_the_language_is_remembered_on_the_account(client, executor):
    client.force_login(executor)
    response = client.post(reverse("set_language"), {"language": "kk", "next": "/appeals/"})
    assert response.status_code == 302
    executor.refresh_from_db()
    assert executor.language == "kk"
    page = client.get("/appeals/?queue=mine").content.decode()
    # <html lang="…"> names the page's language (the switcher's own lang="kk" option is on every page).
    assert "Менің өтініштерім" in page and '<html lang="kk">' in page


def test_sign_in_speaks_the_users_language(client, agency):
    from agencies.choices import Role

    from ..factories import MembershipFactory

    user = UserFactory(username="kazakh_speaker", language="kk")
    MembershipFactory(user=user, agency=agency, role=Role.EXECUTOR)
    response = client.post(reverse("login"), {"username": "kazakh_speaker", "password": "pass-12345"})
    assert response.status_code == 302
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "kk"
    page = client.get("/", follow=True).content.decode()
    assert '<html lang="kk">' in page and "Кезектер" in page


def test_russian_interface(client, executor):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
    client.force_login(executor)
    page = client.get("/appeals/?queue=mine").content.decode()
    assert '<html lang="ru">' in page and "Мои обращения" in page and "Очереди" in page


def test_an_anonymous_visitor_can_switch_without_an_account(client):
    response = client.post(reverse("set_language"), {"language": "kk", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="kk">' in page and "Кіру" in page


def test_an_unknown_language_changes_nothing(client, executor):
    client.force_login(executor)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    executor.refresh_from_db()
    assert executor.language == "ru"
