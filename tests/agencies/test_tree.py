import pytest
from django.core.exceptions import ValidationError

from agencies.choices import Role
from agencies.models import Agency
from agencies.selectors import (
    agencies_visible_to,
    agency_ancestors,
    agency_subtree,
    category_route,
    user_roles_for,
)
from agencies.services import agency_paths_rebuild, agency_save

from ..conftest import member
from ..factories import AgencyFactory, CategoryFactory, CategoryRouteFactory

pytestmark = pytest.mark.django_db


def chain(depth):
    node = None
    nodes = []
    for level in range(depth):
        node = AgencyFactory(code=f"lvl{level}", parent=node)
        nodes.append(node)
    return nodes


def test_a_subtree_of_any_depth_is_one_query(django_assert_num_queries):
    nodes = chain(7)
    AgencyFactory(code="elsewhere")
    with django_assert_num_queries(1):
        codes = [a.code for a in agency_subtree(nodes[2])]
    assert codes == [f"lvl{i}" for i in range(2, 7)]


def test_ancestors_come_from_the_path(django_assert_num_queries):
    nodes = chain(4)
    assert nodes[3].ancestor_ids == [n.pk for n in nodes[:3]]
    with django_assert_num_queries(1):
        assert list(agency_ancestors(nodes[3])) == nodes[:3]


def test_moving_an_agency_moves_its_whole_subtree():
    a, b, c = chain(3)
    other = AgencyFactory(code="other")
    b.parent = other
    agency_save(agency=b)
    c.refresh_from_db()
    assert c.path == f"/{other.pk}/{b.pk}/{c.pk}/"
    assert (b.depth, c.depth) == (1, 2)
    assert list(agency_subtree(a)) == [a]


def test_an_agency_cannot_be_moved_under_its_own_descendant():
    a, b, c = chain(3)
    a.parent = c
    with pytest.raises(ValidationError):
        agency_save(agency=a)


def test_paths_can_be_rebuilt_after_a_bulk_load():
    nodes = chain(3)
    Agency.objects.update(path="", depth=0)
    assert agency_paths_rebuild() == 3
    nodes[2].refresh_from_db()
    assert nodes[2].path == "/" + "/".join(str(n.pk) for n in nodes) + "/"


def test_a_supervisor_holds_the_whole_subtree_other_roles_only_their_agency(ministry, agency, district, sibling):
    boss = member(ministry, Role.SUPERVISOR)
    clerk = member(agency, Role.EXECUTOR)
    assert user_roles_for(boss, district) == {Role.SUPERVISOR}
    assert user_roles_for(clerk, agency) == {Role.EXECUTOR}
    assert user_roles_for(clerk, district) == frozenset()
    assert set(agencies_visible_to(boss)) == {ministry, agency, district, sibling}
    assert set(agencies_visible_to(clerk)) == {agency}


def test_a_user_may_hold_several_roles_and_agencies(agency, sibling):
    user = member(agency, Role.EXECUTOR)
    from agencies.models import Membership

    Membership.objects.create(user=user, agency=agency, role=Role.REGISTRAR)
    Membership.objects.create(user=user, agency=sibling, role=Role.SUPERVISOR)
    user = type(user).objects.get(pk=user.pk)
    assert user_roles_for(user, agency) == {Role.EXECUTOR, Role.REGISTRAR}
    assert set(agencies_visible_to(user)) == {agency, sibling}


def test_categories_route_by_region_with_a_national_default(agency, sibling):
    roads = CategoryFactory(code="roads")
    CategoryRouteFactory(category=roads, region="", agency=sibling)
    CategoryRouteFactory(category=roads, region="astana", agency=agency)
    assert category_route(category=roads, region="astana") == agency
    assert category_route(category=roads, region="pavlodar") == sibling
    assert category_route(category=CategoryFactory(code="health"), region="astana") is None
