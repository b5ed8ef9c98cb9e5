"""factory-boy factories. Appeals made here skip the services (fast fixtures); tests of the
lifecycle itself register appeals through appeals.lifecycle."""

from datetime import timedelta

import factory
from django.utils import timezone

from agencies.choices import AgencyKind, Region, Role
from agencies.models import Agency, Category, CategoryRoute, Membership, User
from agencies.services import agency_save
from appeals.calendar.policy import due_date_for
from appeals.listening.matching import applicant_key as key_of
from appeals.models import Appeal
from appeals.models.choices import AppealKind, AppealStatus, ApplicantType, Channel, Language

# Valid IINs/BINs come from the tests' own implementation (tests/identifiers.py), never from the
# validator under test; re-exported here because many tests import them from the factories.
from .identifiers import valid_bin, valid_iin  # noqa: F401 - re-exported


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Aigerim{n}")
    last_name = "Seitkali"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.kz")
    language = "ru"
    password = factory.PostGenerationMethodCall("set_password", "pass-12345")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"ag{n}")
    name_ru = factory.Sequence(lambda n: f"Акимат района №{n}")
    name_kk = factory.Sequence(lambda n: f"№{n} аудан әкімдігі")
    kind = AgencyKind.DISTRICT_AKIMAT
    region = Region.ASTANA
    email = factory.LazyAttribute(lambda a: f"{a.code}@gov.kz")
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return agency_save(agency=model_class(*args, **kwargs))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.EXECUTOR


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name_ru = factory.Sequence(lambda n: f"Категория {n}")
    name_kk = factory.Sequence(lambda n: f"Санат {n}")


class CategoryRouteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CategoryRoute

    category = factory.SubFactory(CategoryFactory)
    region = ""
    agency = factory.SubFactory(AgencyFactory)


class AppealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appeal

    number = factory.Sequence(lambda n: f"TEST-2026-{n:06d}")
    agency = factory.SubFactory(AgencyFactory)
    registered_at = factory.LazyFunction(timezone.now)
    received_at = factory.LazyAttribute(lambda a: a.registered_at)
    kind = AppealKind.APPLICATION
    channel = Channel.PORTAL
    language = Language.RUSSIAN
    applicant_type = ApplicantType.INDIVIDUAL
    applicant_name = factory.Sequence(lambda n: f"Иванов Иван {n}")
    applicant_iin = factory.Sequence(valid_iin)
    applicant_email = factory.Sequence(lambda n: f"citizen{n}@mail.kz")
    applicant_key = factory.LazyAttribute(
        lambda a: key_of(
            iin=a.applicant_iin,
            bin=getattr(a, "applicant_bin", ""),
            phone=getattr(a, "applicant_phone", ""),
            email=a.applicant_email,
        )
    )
    region = Region.ASTANA
    subject = factory.Sequence(lambda n: f"Ремонт дороги на улице {n}")
    text = "Прошу отремонтировать дорогу."
    status = AppealStatus.REGISTERED
    due_date = factory.LazyAttribute(lambda a: due_date_for(kind=a.kind, registered_at=a.registered_at))
    original_due_date = factory.LazyAttribute(lambda a: a.due_date)

    class Params:
        overdue = factory.Trait(
            registered_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=40)),
        )
