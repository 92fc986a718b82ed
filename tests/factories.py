"""Factories for tests. They build rows directly; behaviour under test goes through services."""

from datetime import date

import factory
from django.utils import timezone

from custos.access.models import RoleAssignment
from custos.accounts.models import User
from custos.custody.models import Cell, Facility, Prisoner, Unit
from custos.custody.names import prisoner_keys


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    code = factory.Sequence(lambda n: f"F{n:03d}")
    name = factory.Sequence(lambda n: f"Central Prison {n}")
    country = "ML"
    security_level = "high"
    official_capacity = 100
    population_served = "mixed"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    facility = factory.SubFactory(FacilityFactory)
    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.Sequence(lambda n: f"Wing {n}")
    regime = "general"
    security_level = "high"


class CellFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cell

    unit = factory.SubFactory(UnitFactory)
    number = factory.Sequence(lambda n: f"{n:03d}")
    landing = "1"
    beds = 2


class PrisonerFactory(factory.django.DjangoModelFactory):
    """A prisoner in custody, not yet placed. Use `place()` in tests to put them in a cell."""

    class Meta:
        model = Prisoner
        skip_postgeneration_save = True

    prison_number = factory.Sequence(lambda n: f"P{n:06d}")
    display_name = factory.Sequence(lambda n: f"Prisoner {n}")
    date_of_birth = date(1990, 1, 1)
    sex = "M"
    legal_status = "convicted"
    facility = factory.SubFactory(FacilityFactory)
    admitted_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=30))

    @factory.post_generation
    def names(self, create, extracted, **kwargs):
        from custos.custody.models import NameKey, PrisonerName

        names = extracted or [self.display_name]
        if extracted:
            self.display_name = names[0]
            self.save(update_fields=["display_name"])
        for i, full in enumerate(names):
            PrisonerName.objects.create(prisoner=self, full_name=full,
                                        script="latn", kind="primary" if i == 0 else "alias")
        NameKey.objects.bulk_create([NameKey(prisoner=self, key=k, rank=r)
                                     for k, r in prisoner_keys(names).items()])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "correct horse battery staple")
        self.save(update_fields=["password"])


def user_with_role(role: str, facility: Facility | None = None, username: str | None = None):
    user = UserFactory(username=username or f"{role}-{facility.code if facility else 'all'}")
    RoleAssignment.objects.get_or_create(user=user, role=role, facility=facility)
    return user
