"""The admin's app and model names are translatable everywhere (issue 16, point 10)."""

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.urls import reverse

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_third_party_apps_carry_names_of_our_own():
    assert str(apps.get_app_config("axes").verbose_name) != "Axes"
    assert str(apps.get_app_config("otp_totp").verbose_name) != "Otp_Totp"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_admin_index_shows_no_raw_labels(client, language):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("admin:index"), follow=True).content.decode()
    assert f'lang="{language}"' in page
    for raw in (">Axes<", ">Otp_Totp<", "TOTP device</a>"):
        assert raw not in page
