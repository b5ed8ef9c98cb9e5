"""Sign-in protection: lockout after repeated failures, idle sessions end, an optional second factor (TOTP)
for supervisors and administrators that every later sign-in and the admin then require."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from appeals.infra.security import LAST_SEEN_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.AXES_FAILURE_LIMIT = 3


def _sign_in(client, username, password="pass-12345", **extra):  # noqa: S107 - the factories' test password
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _code(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


# --- Lockout ------------------------------------------------------------------------------------------------
def test_repeated_failures_lock_the_username_out_with_a_clear_page(client, executor):
    for _attempt in range(2):
        assert _sign_in(client, "executor", "wrong").status_code == 200
    locked = _sign_in(client, "executor", "wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Sign-in locked" in page and "Try again in 15 minutes" in page
    # Even the right password is refused while locked, and nobody is signed in.
    assert _sign_in(client, "executor").status_code == 429
    assert client.get("/appeals/").status_code == 302


def test_the_lockout_page_is_translated(client, executor):
    client.cookies["django_language"] = "ru"
    for _attempt in range(3):
        response = _sign_in(client, "executor", "wrong", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 429
    assert '<html lang="ru">' in response.content.decode()


def test_the_lockout_is_per_username_and_address(client, executor, executor2):
    for _attempt in range(3):
        _sign_in(client, "executor", "wrong")
    assert _sign_in(client, "executor2").status_code == 302  # a colleague at the same desk still signs in
    other_computer = Client(REMOTE_ADDR="10.0.0.9")
    assert _sign_in(other_computer, "executor").status_code == 302


def test_a_success_resets_the_count(client, executor):
    for _attempt in range(2):
        _sign_in(client, "executor", "wrong")
    assert _sign_in(client, "executor").status_code == 302
    client.post(reverse("logout"))
    for _attempt in range(2):
        _sign_in(client, "executor", "wrong")
    assert _sign_in(client, "executor").status_code == 302


def test_the_admin_sign_in_is_protected_too(client, admin_user):
    for _attempt in range(3):
        response = client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    assert response.status_code == 429


# --- Sessions -----------------------------------------------------------------------------------------------
def test_an_idle_session_ends(client, executor, settings):
    settings.SESSION_IDLE_SECONDS = 600
    client.force_login(executor)
    assert client.get("/appeals/").status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 601
    session.save()
    response = client.get("/appeals/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get("/appeals/").status_code == 302  # signed out for good
    page = client.get(response["Location"]).content.decode()
    assert "signed out after a period of inactivity" in page


def test_an_active_session_stays(client, executor, settings):
    settings.SESSION_IDLE_SECONDS = 600
    client.force_login(executor)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 599
    session.save()
    assert client.get("/appeals/").status_code == 200


def test_session_cookies_are_http_only_and_end_with_the_browser(client, executor, settings):
    response = _sign_in(client, "executor")
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["max-age"]  # ends when the browser closes
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60


# --- Second factor ------------------------------------------------------------------------------------------
def test_a_supervisor_enrols_a_device_with_a_qr_code(client, supervisor):
    client.force_login(supervisor)
    home = client.get("/appeals/").content.decode()
    assert reverse("otp_setup") in home
    page = client.get(reverse("otp_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "otpauth://totp/" in html
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)

    wrong = client.post(reverse("otp_setup"), {"token": "000000" if _code(device) != "000000" else "111111"})
    assert wrong.status_code == 422 and "The code is wrong" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1

    # A person takes longer than the one-second back-off of the first wrong code.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    device.refresh_from_db()
    assert client.post(reverse("otp_setup"), {"token": _code(device)}).status_code == 302
    assert TOTPDevice.objects.get(user=supervisor).confirmed


def test_an_executor_has_no_second_factor_page(client, executor):
    client.force_login(executor)
    assert client.get(reverse("otp_setup")).status_code == 403
    assert reverse("otp_setup") not in client.get("/appeals/").content.decode()


@pytest.fixture
def protected_supervisor(supervisor):
    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    return supervisor, device


def test_with_a_device_the_sign_in_asks_for_a_code(client, protected_supervisor):
    user, device = protected_supervisor
    response = _sign_in(client, "supervisor")
    assert response.status_code == 302
    # Every page sends to the code step, the API refuses, until the code is given.
    queue = client.get("/appeals/")
    assert queue.status_code == 302 and queue["Location"].startswith(reverse("otp_verify"))
    api = client.get("/api/v1/appeals/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "second_factor_required"
    wrong = client.post(reverse("otp_verify"), {"token": "12345x"})
    assert wrong.status_code == 422
    assert client.get("/appeals/").status_code == 302
    ok = client.post(reverse("otp_verify"), {"token": _code(device), "next": "/appeals/?queue=tree"})
    assert ok.status_code == 302 and ok["Location"] == "/appeals/?queue=tree"
    assert client.get("/appeals/").status_code == 200


def test_the_code_step_never_redirects_elsewhere(client, protected_supervisor):
    _user, device = protected_supervisor
    _sign_in(client, "supervisor")
    response = client.post(reverse("otp_verify"), {"token": _code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_admin_requires_the_code_of_an_admin_with_a_device(client, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    assert client.post("/admin/login/", {"username": "admin", "password": "password"}).status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_verify"))
    client.post(reverse("otp_verify"), {"token": _code(device)})
    assert client.get("/admin/").status_code == 200


def test_without_a_device_nothing_more_is_asked(client, supervisor):
    assert _sign_in(client, "supervisor").status_code == 302
    assert client.get("/appeals/").status_code == 200


def test_wrong_codes_are_throttled(client, protected_supervisor):
    _user, device = protected_supervisor
    _sign_in(client, "supervisor")
    for _attempt in range(3):
        client.post(reverse("otp_verify"), {"token": "000001"})
    # Even the right code waits for the throttle.
    response = client.post(reverse("otp_verify"), {"token": _code(device)})
    assert response.status_code == 422
    # The page speaks the user's language (Russian, set on their account and taken at sign-in).
    with translation.override("ru"):
        message = translation.gettext("Too many wrong codes. Wait a minute and try again.")
    assert message != "Too many wrong codes. Wait a minute and try again." and message in response.content.decode()
