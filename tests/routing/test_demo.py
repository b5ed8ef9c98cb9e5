"""Done when: in the demo, a leaking roof typed in Russian or Kazakh is suggested as housing, routed to the akimat."""

import pytest
from django.core.management import call_command

from agencies.choices import Region
from appeals.models import RouterModel
from appeals.routing.selectors import routing_suggest

pytestmark = pytest.mark.django_db


def test_the_demo_trains_a_model_so_suggestions_work_at_once():
    call_command("seed_demo", appeals=0)
    model = RouterModel.objects.get()
    assert model.source == "corpus" and model.history_size >= 600
    for text in ("течёт крыша, потолок мокрый", "шатыр ағып тұр, төбеден су тамады"):
        _version, suggestions = routing_suggest(text=text, region=Region.PAVLODAR)
        assert suggestions[0].category.code == "housing", text
        assert suggestions[0].agency.code == "pvl"  # the demo routes housing in Pavlodar region to its akimat
    call_command("seed_demo", appeals=0)  # loading again does not train again
    assert RouterModel.objects.count() == 1
