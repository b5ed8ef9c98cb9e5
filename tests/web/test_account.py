"""Sign-in, sign-out and password change."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_sign_in_lands_on_the_users_queue(client, executor):
    response = client.post(reverse("login"), {"username": "executor", "password": "pass-12345"}, follow=True)
    assert response.redirect_chain[-1][0] == "/appeals/?queue=mine"
    assert response.status_code == 200


def test_wrong_password_says_so(client, executor):
    response = client.post(reverse("login"), {"username": "executor", "password": "nope"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_sign_out(client, executor):
    client.force_login(executor)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    after = client.get("/appeals/")
    assert after.status_code == 302 and after["Location"].startswith(reverse("login"))


def test_change_password(client, executor):
    client.force_login(executor)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": "pass-12345", "new_password1": "Ozgertu-2026!", "new_password2": "Ozgertu-2026!"},
    )
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200
    executor.refresh_from_db()
    assert executor.check_password("Ozgertu-2026!")


def test_a_signed_in_user_visiting_sign_in_goes_to_the_queue(client, executor):
    client.force_login(executor)
    response = client.get(reverse("login"), follow=True)
    assert response.redirect_chain and response.status_code == 200
    assert response.request["PATH_INFO"] == "/appeals/"
