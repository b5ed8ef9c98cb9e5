"""Who sees which appeal: the one access rule every page and endpoint builds on."""

import pytest
from django.http import Http404

from appeals.access.selectors import (
    appeal_get_visible,
    appeals_due_within,
    appeals_overdue,
    appeals_search,
    appeals_visible_to,
)

from ..factories import AppealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeals(agency, district, sibling, ministry, other_region):
    return {
        "own": AppealFactory(agency=agency),
        "child": AppealFactory(agency=district),
        "sibling": AppealFactory(agency=sibling),
        "parent": AppealFactory(agency=ministry),
        "other_region": AppealFactory(agency=other_region),
    }


VISIBLE = {
    "registrar": {"own"},
    "executor": {"own"},
    "supervisor": {"own", "child"},
    "ministry_supervisor": {"own", "child", "sibling", "parent"},
    "district_executor": {"child"},
    "outsider": {"sibling"},
    "foreigner": {"other_region"},
}


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_each_persona_sees_exactly_its_agencies(persona, request, appeals):
    user = request.getfixturevalue(persona)
    seen = set(appeals_visible_to(user).values_list("pk", flat=True))
    assert seen == {appeals[name].pk for name in VISIBLE[persona]}
    for name, appeal in appeals.items():
        if name in VISIBLE[persona]:
            assert appeal_get_visible(user, appeal.pk) == appeal
        else:
            with pytest.raises(Http404):
                appeal_get_visible(user, appeal.pk)


def test_visibility_is_two_queries_at_most(executor, appeals, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        list(appeals_visible_to(executor))


def test_a_user_without_membership_or_signed_out_sees_nothing(appeals, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    nobody = django_user_model.objects.create(username="nobody")
    assert not appeals_visible_to(nobody).exists()
    assert not appeals_visible_to(AnonymousUser()).exists()


def test_overdue_and_due_soon(agency):
    late = AppealFactory(agency=agency, overdue=True)
    fresh = AppealFactory(agency=agency)
    assert list(appeals_overdue(agency.appeals.all())) == [late]
    assert fresh not in appeals_due_within(agency.appeals.all(), working_days=3)


def test_search_finds_by_number_subject_and_name(agency):
    a = AppealFactory(agency=agency, subject="Прорыв трубы на улице Абая", applicant_name="Сейтқали Айгерім")
    AppealFactory(agency=agency, subject="Освещение во дворе", applicant_name="Петров Пётр")
    qs = agency.appeals.all()
    assert list(appeals_search(qs, a.number)) == [a]
    assert list(appeals_search(qs, "трубы")) == [a]
    assert list(appeals_search(qs, "Айгерім")) == [a]
    assert list(appeals_search(qs, a.applicant_iin)) == [a]
    assert list(appeals_search(qs, "   ")) == list(qs)
