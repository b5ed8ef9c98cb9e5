"""The dashboard's signals (appeals.listening.signals): each fires on a planted pattern and stays quiet on noise.

Frozen on 15 April 2026: `period=month` is 1-15 April (15 days), its baseline the eight 15-day periods before
(from 2 December 2025). `history` gives a (category, region) the same count in each of those periods.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from agencies.choices import Region
from appeals.models.choices import AppealStatus, Channel, Outcome

from ..factories import AppealFactory
from .conftest import at, queue_count

pytestmark = pytest.mark.django_db
URL = reverse("appeals:dashboard")
APRIL_1 = date(2026, 4, 1)


def dashboard(client, user, **params):
    client.force_login(user)
    response = client.get(URL, {"period": "month", **params})
    assert response.status_code == 200
    return response.context


def signals(client, user, **params):
    return dashboard(client, user, **params)["signals"]


def history(agency, category, region=Region.ASTANA, *, per_period=2, periods=8, start=APRIL_1, days=15, **kwargs):
    """`per_period` appeals in each of the `periods` periods of `days` days before `start`."""
    for k in range(1, periods + 1):
        first = start - timedelta(days=k * days)
        for i in range(per_period):
            day = first + timedelta(days=i % days)
            AppealFactory(
                agency=agency, category=category, region=region, registered_at=at(day.year, day.month, day.day)
            )


@pytest.fixture
def known_since_2025(agency):
    """The desk holds appeals since January 2025: every baseline period is history, not "before the data"."""
    return AppealFactory(agency=agency, category=None, registered_at=at(2025, 1, 5))


def burst(agency, category, n, *, region=Region.ASTANA, day=6, **kwargs):
    return [
        AppealFactory(agency=agency, category=category, region=region, registered_at=at(2026, 4, day, 9), **kwargs)
        for _ in range(n)
    ]


def test_a_burst_of_one_topic_in_one_region_is_a_hotspot(
    client, frozen, known_since_2025, agency, supervisor, category, other_category
):
    history(agency, category, per_period=1)
    history(agency, other_category, per_period=3)
    burst(agency, category, 12)
    burst(agency, other_category, 3)  # its usual level: noise
    found = signals(client, supervisor)
    assert [(s.category_id, s.region) for s in found["hotspot"]] == [(category.pk, Region.ASTANA)]
    hotspot = found["hotspot"][0]
    assert (hotspot.count, hotspot.baseline, hotspot.applicants) == (12, 1.0, 12)
    assert hotspot.score < 0.05  # its q-value
    assert queue_count(supervisor, hotspot.url) == 12
    assert len(hotspot.appeals) == 5  # the newest, listed under it


def test_without_enough_history_nothing_is_a_hotspot(client, frozen, agency, supervisor, category, other_category):
    """A thin history (nothing before the period) would make every pair "infinitely" above a baseline of 0."""
    burst(agency, category, 12)
    burst(agency, other_category, 15)
    found = signals(client, supervisor)
    assert found["hotspot"] == [] and found["new"] == [] and found["history_periods"] == 0
    assert 'data-signal="no-history"' in client.get(URL, {"period": "month"}).content.decode()


def test_a_pair_without_history_is_new_not_infinitely_above(
    client, frozen, known_since_2025, agency, supervisor, category, other_category
):
    history(agency, other_category)
    burst(agency, category, 12)
    found = signals(client, supervisor)
    assert found["hotspot"] == []
    assert [(s.category_id, s.count, s.baseline) for s in found["new"]] == [(category.pk, 12, None)]


def test_many_appeals_from_few_people_are_not_a_hotspot(
    client, frozen, known_since_2025, agency, supervisor, category, other_category
):
    history(agency, category, per_period=1)
    history(agency, other_category, per_period=1)
    for iin in ("900101300007", "900101300017", "900101300027"):
        burst(agency, category, 10, applicant_iin=iin)  # 30 appeals from 3 people
    burst(agency, other_category, 12)  # 12 appeals from 12 people
    found = signals(client, supervisor)
    assert [s.category_id for s in found["hotspot"]] == [other_category.pk]
    assert [(s.category_id, s.count, s.applicants) for s in found["few_applicants"]] == [(category.pk, 30, 3)]


def test_hotspots_follow_the_chosen_period(client, frozen, known_since_2025, agency, supervisor, category):
    # A burst in August 2025 against 1 per month before: a hotspot of August, not of April 2026.
    for month in range(1, 8):
        AppealFactory(agency=agency, category=category, registered_at=at(2025, month, 10))
    for i in range(12):
        AppealFactory(agency=agency, category=category, registered_at=at(2025, 8, 3 + i))
    for month in range(9, 13):
        AppealFactory(agency=agency, category=category, registered_at=at(2025, month, 10))
    august = signals(client, supervisor, date="2025-08-15")
    assert [(s.category_id, s.count, s.since) for s in august["hotspot"]] == [(category.pk, 12, date(2025, 8, 1))]
    assert signals(client, supervisor)["hotspot"] == []


def test_the_minimum_count_is_a_setting(client, frozen, known_since_2025, agency, supervisor, category, settings):
    history(agency, category, per_period=0)
    AppealFactory(agency=agency, category=category, registered_at=at(2025, 12, 20))  # seen once before
    burst(agency, category, 6)
    assert signals(client, supervisor)["hotspot"] == []
    settings.LISTENING = {**settings.LISTENING, "MIN_COUNT": 6}
    assert [s.count for s in signals(client, supervisor)["hotspot"]] == [6]


def test_a_rise_carried_by_social_media_is_labelled_and_not_a_hotspot_at_every_level(
    client, frozen, known_since_2025, agency, sibling, supervisor, ministry_supervisor, category, other_category
):
    history(agency, category, per_period=4, periods=30)  # by the portal, for more than a year
    burst(agency, category, 4)
    burst(agency, category, 20, channel=Channel.SOCIAL)
    # Elsewhere in the ministry, real hotspots that a subtree-wide channel mix would dilute the spike with.
    history(sibling, other_category, region=Region.ALMATY_CITY, per_period=2, periods=30)
    burst(sibling, other_category, 40, region=Region.ALMATY_CITY)
    for user in (supervisor, ministry_supervisor):
        found = signals(client, user)
        assert [(s.category_id, s.channel) for s in found["channel_driven"]] == [(category.pk, Channel.SOCIAL)]
        assert category.pk not in [s.category_id for s in found["hotspot"]]
        spike = found["channel_driven"][0]
        assert spike.count == 24 and spike.share == pytest.approx(83.3)
        assert queue_count(user, spike.url) == 24
    assert [s.category_id for s in signals(client, ministry_supervisor)["hotspot"]] == [other_category.pk]


def test_the_dominant_channel_after_an_empty_previous_period_is_not_a_spike(
    client, frozen, known_since_2025, agency, supervisor, category, other_category
):
    # History by the portal, then nothing in the previous 15 days, then the portal again.
    history(agency, category, per_period=2, periods=7, start=APRIL_1 - timedelta(days=15))
    burst(agency, category, 14)
    burst(agency, other_category, 12)  # a new topic, all by the portal
    found = signals(client, supervisor)
    assert found["channel_driven"] == []
    assert [s.category_id for s in found["hotspot"]] == [category.pk]
    assert [s.category_id for s in found["new"]] == [other_category.pk]


def test_an_even_growth_across_channels_is_not_a_spike(client, frozen, known_since_2025, agency, supervisor, category):
    for k in range(1, 9):
        day = APRIL_1 - timedelta(days=15 * k)
        for channel in (Channel.PORTAL, Channel.PORTAL, Channel.SOCIAL):
            AppealFactory(
                agency=agency, category=category, channel=channel, registered_at=at(day.year, day.month, day.day)
            )
    burst(agency, category, 10, channel=Channel.PORTAL)
    burst(agency, category, 5, channel=Channel.SOCIAL)
    found = signals(client, supervisor)
    assert found["channel_driven"] == [] and [s.count for s in found["hotspot"]] == [15]


def test_a_problem_above_its_baseline_month_after_month_is_long_standing(
    client, frozen, known_since_2025, agency, supervisor, category, other_category
):
    for month in range(3, 12):  # 3 a month from March to November 2025 (other_category: noise at 3 always)
        for topic in (category, other_category):
            for day in (5, 12, 19):
                AppealFactory(agency=agency, category=topic, registered_at=at(2025, month, day))
    for year, month in ((2025, 12), (2026, 1), (2026, 2), (2026, 3)):  # then 12 a month, 2 of them answered
        for day in range(1, 13):
            answered = day <= 2
            AppealFactory(
                agency=agency,
                category=category,
                registered_at=at(year, month, day),
                status=AppealStatus.ANSWERED if answered else AppealStatus.REGISTERED,
                outcome=Outcome.EXPLAINED if answered else "",
            )
        for day in (5, 12, 19):
            AppealFactory(agency=agency, category=other_category, registered_at=at(year, month, day))
    found = signals(client, supervisor, date="2026-03-15")
    assert [(s.category_id, s.since, s.months, s.count, s.answered) for s in found["long_standing"]] == [
        (category.pk, date(2025, 12, 1), 4, 48, 8)
    ]
    assert found["hotspot"] == []  # listed as long-standing, not again as a hotspot
    assert queue_count(supervisor, found["long_standing"][0].url) == 48


def test_repeats_are_counted_per_body_with_their_share(client, frozen, agency, district, supervisor, category):
    first = AppealFactory(agency=district, category=category, registered_at=at(2026, 3, 2), status="answered")
    AppealFactory(agency=district, category=category, registered_at=at(2026, 4, 6), repeat_of=first)
    AppealFactory(agency=district, category=category, registered_at=at(2026, 4, 7), is_repeated=True)
    AppealFactory.create_batch(2, agency=district, category=category, registered_at=at(2026, 4, 7))  # first ones
    AppealFactory(agency=agency, category=category, registered_at=at(2026, 4, 7))
    data = dashboard(client, supervisor)
    repeats = data["signals"]["repeat"]
    assert [(s.agency_id, s.count, s.share) for s in repeats] == [(district.pk, 2, 50.0)]
    assert queue_count(supervisor, repeats[0].url) == 2
    row = next(r for r in data["rows"] if r.agency == district)
    assert row.values["repeat_pct"] == 50.0 and queue_count(supervisor, row.links["repeat_pct"]) == 2


def test_appeals_taken_over_a_body_head_are_counted_for_that_body(
    client, frozen, ministry, agency, district, sibling, supervisor, ministry_supervisor
):
    lower = AppealFactory(agency=district, registered_at=at(2026, 3, 2))
    AppealFactory(agency=ministry, registered_at=at(2026, 4, 8), escalated_from=lower, kind="complaint")
    AppealFactory(agency=ministry, registered_at=at(2026, 4, 9), escalated_from=lower, kind="complaint")
    # Not this subtree's: a complaint about the sibling's appeal; an overdue escalation is not citizens going higher.
    AppealFactory(agency=ministry, registered_at=at(2026, 4, 8), escalated_from=AppealFactory(agency=sibling))
    AppealFactory(agency=agency, registered_at=at(2026, 4, 2), escalated_at=at(2026, 4, 10))
    data = dashboard(client, supervisor)
    over = data["signals"]["escalation"]
    assert [(s.agency_id, s.count) for s in over] == [(district.pk, 1)]
    assert queue_count(supervisor, over[0].url) == 1  # the lower appeal, which the department sees
    row = next(r for r in data["rows"] if r.agency == district)
    assert row.values["escalated_over"] == 1 and queue_count(supervisor, row.links["escalated_over"]) == 1
    # The ministry sees the appeals written over the department's head.
    client.force_login(ministry_supervisor)
    ministry_view = dashboard(client, ministry_supervisor)
    assert sorted((s.agency_id, s.count) for s in ministry_view["signals"]["escalation"]) == sorted(
        [(district.pk, 1), (sibling.pk, 1)]
    )
    row = next(r for r in ministry_view["rows"] if r.agency == agency)
    assert row.values["escalated_over"] == 1


def test_no_repeat_and_no_escalation_means_quiet_signals(client, frozen, agency, supervisor):
    AppealFactory.create_batch(3, agency=agency, registered_at=at(2026, 4, 6))
    found = signals(client, supervisor)
    assert found["repeat"] == [] and found["escalation"] == []


@pytest.mark.parametrize("n", [1, 20])
def test_the_dashboard_query_count_is_constant_with_signals(
    client, frozen, known_since_2025, agency, supervisor, category, other_category, django_assert_max_num_queries, n
):
    history(agency, category, per_period=1)
    burst(agency, category, 10 + n)
    burst(agency, other_category, n)
    lower = AppealFactory(agency=agency, registered_at=at(2026, 3, 2))
    AppealFactory.create_batch(n, agency=agency, registered_at=at(2026, 4, 8), escalated_from=lower, repeat_of=lower)
    client.force_login(supervisor)
    with django_assert_max_num_queries(40):
        response = client.get(URL, {"period": "month"})
    assert response.status_code == 200
    assert response.context["signals"]["hotspot"]
