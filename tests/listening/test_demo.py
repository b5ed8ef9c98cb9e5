"""Done when: after `make run` (seed_demo) a supervisor sees on the demo data a repeat, an escalation to a higher
body, a long-standing problem and a social-media spike, each with the appeals behind it one click away; the API
returns the same."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from agencies.models import User
from appeals.models.choices import Channel

from ..dashboard.conftest import queue_count

pytestmark = pytest.mark.django_db
WANTED = ("repeat", "escalation", "long_standing", "channel_driven")


def test_the_demo_supervisor_sees_every_kind_of_signal_a_click_from_its_appeals(client, settings):
    settings.DASHBOARD = {**settings.DASHBOARD, "LIVE_CACHE_SECONDS": 0}
    cache.clear()
    with time_machine.travel(datetime(2026, 12, 9, 15, tzinfo=ZoneInfo("Asia/Almaty")), tick=False):
        call_command("seed_demo", appeals=0, stdout=None)
        head = User.objects.get(username="pa.head")
        client.force_login(head)
        page = client.get(reverse("appeals:dashboard"))
        assert page.status_code == 200
        found = page.context["signals"]
        for kind in WANTED:
            assert found[kind], kind
            for signal in found[kind]:
                assert queue_count(head, signal.url) > 0, (kind, signal.url)
        html = page.content.decode()
        for kind in WANTED:
            assert f'data-signal="{kind}"' in html
        assert [s.channel for s in found["channel_driven"]] == [Channel.SOCIAL]
        api = client.get(reverse("api:signals"))
        assert api.status_code == 200
        kinds = {s["kind"] for s in api.json()["signals"]}
        assert set(WANTED) <= kinds
