"""Each systemic signal fires on a planted pattern and stays quiet on noise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from agencies.choices import Region
from appeals.choices import Channel

from ..factories import AppealFactory
from .conftest import at, queue_count

pytestmark = pytest.mark.django_db
URL = reverse("appeals:dashboard")


def dashboard(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.context


def test_a_burst_of_one_topic_in_one_region_is_a_hotspot(client, frozen, agency, supervisor, category, other_category):
    now = at(2026, 4, 15, 9)
    # The burst: 12 appeals on roads in Astana in the last 30 days, against 1 in the 180 days before.
    for i in range(12):
        AppealFactory(agency=agency, category=category, region=Region.ASTANA, registered_at=now - timedelta(days=i))
    AppealFactory(agency=agency, category=category, region=Region.ASTANA, registered_at=now - timedelta(days=100))
    # Noise: water, steady at 6 a month for half a year (baseline 6, now 7: not twice as many)...
    for i in range(36):
        AppealFactory(
            agency=agency, category=other_category, region=Region.ASTANA, registered_at=now - timedelta(days=31 + i * 5)
        )
    for i in range(7):
        AppealFactory(
            agency=agency, category=other_category, region=Region.ASTANA, registered_at=now - timedelta(days=i * 4)
        )
    # ...and roads in another region: a sharp rise, but fewer than the minimum count.
    for i in range(5):
        AppealFactory(
            agency=agency, category=category, region=Region.ALMATY_CITY, registered_at=now - timedelta(days=i)
        )

    items = dashboard(client, supervisor)["hotspots"]["items"]
    assert [(h["category_id"], h["region"], h["count"]) for h in items] == [(category.pk, Region.ASTANA, 12)]
    hotspot = items[0]
    assert hotspot["baseline"] == pytest.approx(1 * 30 / 180, abs=0.1)
    assert len(hotspot["appeals"]) == 12
    assert queue_count(supervisor, hotspot["url"]) == 12


def test_each_hotspot_lists_its_own_newest_appeals(
    client, frozen, agency, supervisor, category, other_category, settings
):
    settings.DASHBOARD = {**settings.DASHBOARD, "SIGNAL_LIST_LIMIT": 5}
    now = at(2026, 4, 15, 9)
    planted = {}
    for topic, hours in ((category, 0), (other_category, 1)):
        planted[topic.pk] = [
            AppealFactory(
                agency=agency, category=topic, region=Region.ASTANA, registered_at=now - timedelta(days=i, hours=hours)
            )
            for i in range(12)
        ]
    items = dashboard(client, supervisor)["hotspots"]["items"]
    assert sorted(h["category_id"] for h in items) == sorted([category.pk, other_category.pk])
    for hotspot in items:
        # The five newest of this topic, newest first; none of the other topic's.
        assert [a.pk for a in hotspot["appeals"]] == [a.pk for a in planted[hotspot["category_id"]][:5]]


def test_the_hotspot_factor_and_minimum_are_settings(client, frozen, agency, supervisor, category, settings):
    now = at(2026, 4, 15, 9)
    for i in range(4):
        AppealFactory(agency=agency, category=category, registered_at=now - timedelta(days=i))
    assert dashboard(client, supervisor)["hotspots"]["items"] == []
    settings.DASHBOARD = {**settings.DASHBOARD, "HOTSPOT_MIN_COUNT": 4}
    assert len(dashboard(client, supervisor)["hotspots"]["items"]) == 1


def test_repeat_appeals_are_listed_with_their_earlier_appeal(client, frozen, agency, supervisor, category):
    first = AppealFactory(agency=agency, category=category, registered_at=at(2026, 3, 2), status="answered")
    again = AppealFactory(
        agency=agency, category=category, registered_at=at(2026, 4, 6), is_repeated=True, repeat_of=first
    )
    AppealFactory(agency=agency, category=category, registered_at=at(2026, 4, 7))  # noise: a first appeal
    repeats = dashboard(client, supervisor, period="month")["repeats"]
    assert repeats["count"] == 1
    assert [a.pk for a in repeats["appeals"]] == [again.pk]
    assert repeats["categories"][0]["repeated"] == 1 and repeats["categories"][0]["received"] == 2
    assert queue_count(supervisor, repeats["url"]) == 1


def test_no_repeat_appeals_means_a_quiet_signal(client, frozen, agency, supervisor):
    AppealFactory.create_batch(3, agency=agency, registered_at=at(2026, 4, 6))
    repeats = dashboard(client, supervisor, period="month")["repeats"]
    assert repeats["count"] == 0 and repeats["appeals"] == []


def test_complaints_to_a_higher_body_about_the_subtree_are_escalations(
    client, frozen, ministry, agency, sibling, supervisor
):
    lower = AppealFactory(agency=agency, registered_at=at(2026, 3, 2))
    complaint = AppealFactory(agency=ministry, registered_at=at(2026, 4, 8), escalated_from=lower, kind="complaint")
    # Noise: a complaint about the sibling department's appeal is not this subtree's escalation.
    AppealFactory(
        agency=ministry, registered_at=at(2026, 4, 8), escalated_from=AppealFactory(agency=sibling), kind="complaint"
    )
    escalations = dashboard(client, supervisor, period="month")["escalations"]
    assert [a.pk for a in escalations["complaints"]] == [complaint.pk]
    html = client.get(URL, {"period": "month"}).content.decode()
    assert reverse("appeals:detail", args=[lower.pk]) in html


def test_no_escalation_is_a_quiet_signal(client, frozen, agency, supervisor):
    AppealFactory(agency=agency, registered_at=at(2026, 4, 8))
    escalations = dashboard(client, supervisor, period="month")["escalations"]
    assert escalations["complaints"] == [] and escalations["escalated"] == 0


def test_a_growth_carried_by_social_media_is_flagged(client, frozen, agency, supervisor):
    for day in (2, 3, 6, 7, 8):  # March 1-15 (the previous 15 days of the current half-month)
        AppealFactory.create_batch(2, agency=agency, channel=Channel.PORTAL, registered_at=at(2026, 3, day))
    for day in (2, 3, 6, 7, 8):
        AppealFactory.create_batch(2, agency=agency, channel=Channel.PORTAL, registered_at=at(2026, 4, day))
    AppealFactory.create_batch(20, agency=agency, channel=Channel.SOCIAL, registered_at=at(2026, 4, 9))
    mix = dashboard(client, supervisor, period="month")["channels"]
    assert [r["channel"] for r in mix["spikes"]] == [Channel.SOCIAL]
    social = mix["spikes"][0]
    assert social["count"] == 20 and social["previous"] == 0
    assert social["share"] == pytest.approx(66.7)
    assert len(social["appeals"]) == 20
    assert queue_count(supervisor, social["url"]) == 20


def test_an_even_growth_across_channels_is_not_a_spike(client, frozen, agency, supervisor):
    for channel, before, now in ((Channel.PORTAL, 10, 12), (Channel.EMAIL, 10, 11), (Channel.SOCIAL, 2, 3)):
        AppealFactory.create_batch(before, agency=agency, channel=channel, registered_at=at(2026, 3, 5))
        AppealFactory.create_batch(now, agency=agency, channel=channel, registered_at=at(2026, 4, 5))
    assert dashboard(client, supervisor, period="month")["channels"]["spikes"] == []
