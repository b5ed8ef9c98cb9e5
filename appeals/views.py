from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .selectors import appeal_get_visible, appeal_timeline


def home(request):
    return redirect("admin:index")


@login_required
def appeal_detail(request, pk: int):
    appeal = appeal_get_visible(request.user, pk)
    return render(request, "appeals/appeal_detail.html", {"appeal": appeal, "events": appeal_timeline(appeal)})
