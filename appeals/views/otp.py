"""The second factor (issue 8): supervisors and administrators may set up a TOTP app; once a device is
confirmed, every sign-in asks for its code (appeals.infra.security.SecondFactorMiddleware), the admin included.
"""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.selectors import user_may_use_second_factor
from agencies.services import (
    second_factor_check,
    second_factor_confirm,
    second_factor_pending_device,
    second_factor_remove,
)

from ..infra.security import OTP_REQUIRED_KEY, otp_required


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from the app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code is 6 digits."))
        return token


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return "/"
    return target


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@never_cache
@sensitive_post_parameters("token")
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator app: a QR code drawn here, then one code to confirm."""
    user = request.user
    if not user_may_use_second_factor(user):
        raise PermissionDenied
    if otp_required(request):
        return redirect("otp_verify")
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if request.method == "POST" and request.POST.get("action") == "remove" and confirmed is not None:
        second_factor_remove(user=user)
        request.session[OTP_REQUIRED_KEY] = False
        messages.success(request, _("Two-step sign-in is turned off."))
        return redirect("otp_setup")
    pending = second_factor_pending_device(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor_confirm(user=user, device=pending, token=form.cleaned_data["token"]):
            otp_login(request, pending)
            request.session[OTP_REQUIRED_KEY] = True
            messages.success(request, _("Two-step sign-in is on: each sign-in will ask for a code from the app."))
            return redirect("otp_setup")
        form.add_error("token", _("The code is wrong or has expired. Try the current one."))
    uri = pending.config_url
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "confirmed": confirmed,
            "qr_svg": mark_safe(_qr_svg(uri)),  # noqa: S308 - drawn here from our own data
            "otpauth_uri": uri,
        },
        status=422 if form.is_bound and not form.is_valid() else 200,
    )


@never_cache
@sensitive_post_parameters("token")
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in."""
    user = request.user
    if not otp_required(request):
        return redirect(_safe_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, throttled = second_factor_check(user=user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        if throttled:
            form.add_error("token", _("Too many wrong codes. Wait a minute and try again."))
        else:
            form.add_error("token", _("The code is wrong or has expired. Try the current one."))
    return render(
        request,
        "registration/otp_verify.html",
        {"form": form, "next": _safe_next(request), "has_device": user_has_device(user)},
        status=422 if form.is_bound else 200,
    )
