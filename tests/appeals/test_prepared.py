"""PreparedQuery (appeals/infra/prepared.py): compiled once, run with new values, it gives what the ORM gives."""

import pytest
from django.db.models import Exists, OuterRef

from appeals.access.integrations import integration_by_token, webhook_endpoint_create
from appeals.infra.prepared import PreparedQuery
from appeals.models import Integration, WebhookEndpoint

from ..api.conftest import make_integration

pytestmark = pytest.mark.django_db


def _by_name(name: str):
    return (
        Integration.objects.select_related("agency")
        .annotate(has_webhooks=Exists(WebhookEndpoint.objects.filter(integration=OuterRef("pk"), is_active=True)))
        .filter(name=name, is_active=True)
        .order_by("pk")
    )


def test_it_gives_the_orm_s_instances_with_their_related_objects_and_annotations(
    ministry, agency, settings, django_assert_num_queries
):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    portal, _token = make_integration(ministry, name="Portal")
    centre, _token = make_integration(agency, name="Call-centre", scopes=("intake",))
    webhook_endpoint_create(integration=portal, url="http://127.0.0.1:9/hook")
    prepared = PreparedQuery(_by_name)
    for name in ("Portal", "Call-centre", "Portal", "nobody"):
        expected = list(_by_name(name))
        with django_assert_num_queries(1):  # one query, the related agency included
            found = prepared.all(name)
            assert [(i.pk, i.name, i.scopes, i.agency.code, i.agency.path, i.has_webhooks) for i in found] == [
                (i.pk, i.name, i.scopes, i.agency.code, i.agency.path, i.has_webhooks) for i in expected
            ]
    assert prepared.first("nobody") is None
    assert {i.name: i.has_webhooks for i in (prepared.first("Portal"), prepared.first("Call-centre"))} == {
        "Portal": True,
        "Call-centre": False,
    }
    assert centre.pk == prepared.first("Call-centre").pk
    assert prepared.first("Portal")._state.adding is False


def test_a_value_that_is_not_a_plain_parameter_is_refused_when_first_compiled(ministry):
    prepared = PreparedQuery(lambda name: Integration.objects.filter(name=name, token_prefix=name))
    with pytest.raises(ValueError, match="each value once"):
        prepared.first("twice")


class _Recording:
    """A router that sends reads to the default database and records that it was asked."""

    asked = 0

    def db_for_read(self, model, **hints):
        _Recording.asked += 1
        return "default"


def test_the_router_chooses_the_database_of_every_run(ministry, settings):
    make_integration(ministry, name="Portal")
    prepared = PreparedQuery(_by_name)
    prepared.first("Portal")  # compiled
    settings.DATABASE_ROUTERS = [f"{__name__}._Recording"]
    _Recording.asked = 0
    assert prepared.first("Portal").name == "Portal"
    assert prepared.first("Portal").name == "Portal"
    assert _Recording.asked == 2


def test_the_token_check_reads_the_integration_its_agency_and_whether_it_has_webhooks(ministry, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    integration, token = make_integration(ministry, name="Portal")
    found = integration_by_token(token)
    assert (found.pk, found.agency.code, found.has_webhooks) == (integration.pk, "min", False)
    webhook_endpoint_create(integration=integration, url="http://127.0.0.1:9/hook")
    assert integration_by_token(token).has_webhooks is True
    assert integration_by_token(token + "x") is None
    Integration.objects.filter(pk=integration.pk).update(is_active=False)
    assert integration_by_token(token) is None
