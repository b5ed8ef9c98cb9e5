from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import NotificationSettingsForm
from .services import user_set_receive_digest, user_set_receive_signals


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """The user's own email settings: the daily digest can be switched off, overdue notices cannot."""
    user = request.user
    # An unticked box sends nothing: an empty POST is still a submitted form.
    data = request.POST if request.method == "POST" else None
    form = NotificationSettingsForm(
        data, initial={"receive_digest": user.receive_digest, "receive_signals": user.receive_signals}
    )
    if request.method == "POST" and form.is_valid():
        user_set_receive_digest(user=user, receive_digest=form.cleaned_data["receive_digest"])
        user_set_receive_signals(user=user, receive_signals=form.cleaned_data["receive_signals"])
        if form.cleaned_data["receive_digest"]:
            messages.success(request, _("The daily digest is switched on."))
        else:
            messages.success(request, _("The daily digest is switched off. Overdue notices will still be sent."))
        return redirect("agencies:notification_settings")
    before = sorted(
        (int(d) for d in settings.APPEAL_POLICY["REMINDER_WORKING_DAYS_BEFORE"] if int(d) > 0), reverse=True
    )
    context = {"form": form, "reminder_days": ", ".join(str(d) for d in before) or "—"}
    return render(request, "agencies/notification_settings.html", context)
