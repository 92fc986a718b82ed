"""Facilities, units, cells, prisoners, their admission record, placements and keep-aparts."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from custos.core.models import TrackedModel

ADULT_AGE = 18
LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


class SecurityLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    MAXIMUM = "maximum", _("Maximum")


class PopulationServed(models.TextChoices):
    MEN = "men", _("Men")
    WOMEN = "women", _("Women")
    JUVENILES = "juveniles", _("Juveniles")
    MIXED = "mixed", _("Mixed")


class Regime(models.TextChoices):
    GENERAL = "general", _("General")
    REMAND = "remand", _("Remand")
    HIGH_SECURITY = "high_security", _("High security")
    SEPARATION = "separation", _("Separation unit")
    WOMEN = "women", _("Women")
    JUVENILES = "juveniles", _("Juveniles")


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class LegalStatus(models.TextChoices):
    REMAND = "remand", _("Remand (awaiting trial)")
    CONVICTED = "convicted", _("Convicted")


class CustodyStatus(models.TextChoices):
    IN_CUSTODY = "in_custody", _("In custody")
    RELEASED = "released", _("Released")


class Script(models.TextChoices):
    LATIN = "latn", _("Latin")
    ARABIC = "arab", _("Arabic")
    CYRILLIC = "cyrl", _("Cyrillic")
    OTHER = "other", _("Other")


class NameKind(models.TextChoices):
    PRIMARY = "primary", _("Name as recorded")
    TRANSLITERATION = "transliteration", _("Transliteration")
    ALIAS = "alias", _("Alias or also known as")
    BIRTH = "birth", _("Name at birth")


class Facility(TrackedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code"))
    security_level = models.CharField(
        _("security level"), max_length=10, choices=SecurityLevel.choices
    )
    official_capacity = models.PositiveIntegerField(_("official capacity"))
    population_served = models.CharField(
        _("population served"), max_length=10, choices=PopulationServed.choices
    )
    # Where the facility is, for the distance from prisoners' families (national plans).
    latitude = models.FloatField(_("latitude"), null=True, blank=True, validators=LATITUDE)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, validators=LONGITUDE)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = _("facilities")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Unit(TrackedModel):
    """A wing or block. The `mixed_*` flags allow a unit to hold both sides of a Rule 11
    distinction (never in one cell)."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="units")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    regime = models.CharField(_("regime"), max_length=20, choices=Regime.choices)
    security_level = models.CharField(
        _("security level"), max_length=10, choices=SecurityLevel.choices
    )
    mixed_sex = models.BooleanField(_("holds women and men"), default=False)
    mixed_age = models.BooleanField(_("holds juveniles and adults"), default=False)
    mixed_legal_status = models.BooleanField(_("holds remand and convicted"), default=False)

    class Meta:
        ordering = ["facility", "code"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "code"], name="unique_unit_code")
        ]

    def __str__(self) -> str:
        return f"{self.facility.code}/{self.code}"


class Cell(TrackedModel):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cells")
    number = models.CharField(_("number"), max_length=20)
    landing = models.CharField(_("landing"), max_length=20, blank=True)
    beds = models.PositiveSmallIntegerField(_("beds"))
    single_occupancy = models.BooleanField(_("single occupancy only"), default=False)
    accessible = models.BooleanField(_("accessible"), default=False)

    class Meta:
        ordering = ["unit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="unique_cell_number"),
            models.CheckConstraint(condition=Q(beds__gte=1), name="cell_has_a_bed"),
        ]

    def __str__(self) -> str:
        return f"{self.unit}/{self.number}"


class Prisoner(TrackedModel):
    prison_number = models.CharField(_("prison number"), max_length=30, unique=True)
    # The name shown in lists: the primary name, kept in step with `names` by the services.
    display_name = models.CharField(_("name"), max_length=300, db_index=True)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    nationality = models.CharField(_("nationality"), max_length=2, blank=True)
    languages = models.CharField(
        _("languages"), max_length=100, blank=True, help_text=_("Comma-separated language codes")
    )
    interpreter_needed = models.BooleanField(_("needs an interpreter"), default=False)
    legal_status = models.CharField(_("legal status"), max_length=10, choices=LegalStatus.choices)
    terrorism_related = models.BooleanField(_("terrorism-related offence"), default=False)
    returned_foreign_fighter = models.BooleanField(
        _("returned foreign terrorist fighter"), default=False
    )
    sentence_start = models.DateField(_("sentence start"), null=True, blank=True)
    expected_release = models.DateField(_("expected release"), null=True, blank=True)
    religion = models.CharField(_("religion"), max_length=100, blank=True)
    health_notes = models.TextField(_("health notes"), blank=True)
    disability = models.CharField(_("disability or access need"), max_length=200, blank=True)
    # What the Mandela Rules' safeguards on solitary confinement must know (Rule 45(2),
    # Bangkok Rule 22); health data, redacted like the notes.
    mental_health_condition = models.BooleanField(_("recorded mental-health condition"),
                                                  default=False)
    pregnant_or_nursing = models.BooleanField(
        _("pregnant, with an infant or breastfeeding"), default=False)
    group_affiliation = models.CharField(_("group affiliation"), max_length=200, blank=True)
    # Housing needs the placement optimiser must respect.
    needs_single_cell = models.BooleanField(_("needs a single cell"), default=False)
    needs_accessible_cell = models.BooleanField(_("needs an accessible cell"), default=False)
    # The family's home, so a placement does not cut family contact by distance (seed 003).
    family_home = models.CharField(_("family home"), max_length=200, blank=True)
    family_home_latitude = models.FloatField(_("family home latitude"), null=True, blank=True,
                                             validators=LATITUDE)
    family_home_longitude = models.FloatField(_("family home longitude"), null=True,
                                              blank=True, validators=LONGITUDE)

    status = models.CharField(
        _("custody status"), max_length=12, choices=CustodyStatus.choices,
        default=CustodyStatus.IN_CUSTODY,
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="prisoners", verbose_name=_("facility")
    )
    # Kept in step with the open placement by the placement services.
    current_cell = models.ForeignKey(
        Cell, null=True, blank=True, on_delete=models.PROTECT, related_name="occupants",
        verbose_name=_("cell"),
    )
    admitted_at = models.DateTimeField(_("admitted at"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_reason = models.CharField(_("release reason"), max_length=200, blank=True)
    # Havana Rule 19: a juvenile's file is sealed on release; only break-glass opens it.
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)

    class Meta:
        ordering = ["display_name"]
        indexes = [
            models.Index(fields=["facility", "status"]),
            # Every scoped list filters on sealed_at: an index keeps counts index-only.
            models.Index(fields=["sealed_at", "facility"]),
        ]

    def __str__(self) -> str:
        return f"{self.prison_number} {self.display_name}"

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age_today(self) -> int:
        return self.age_on(date.today())  # noqa: DTZ011

    def is_juvenile(self, on: date | None = None) -> bool:
        return self.age_on(on or date.today()) < ADULT_AGE  # noqa: DTZ011

    def categories(self, on: date | None = None) -> list[str]:
        """Women, juveniles and returned foreign fighters are managed as categories."""
        found = []
        if self.sex == Sex.FEMALE:
            found.append(_("Woman"))
        if self.is_juvenile(on):
            found.append(_("Juvenile"))
        if self.returned_foreign_fighter:
            found.append(_("Returned foreign terrorist fighter"))
        return found


class PrisonerName(TrackedModel):
    """One way of writing a prisoner's name: a script, a transliteration or an alias."""

    prisoner = models.ForeignKey(Prisoner, on_delete=models.CASCADE, related_name="names")
    full_name = models.CharField(_("full name"), max_length=300)
    script = models.CharField(_("script"), max_length=5, choices=Script.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=NameKind.choices)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name


class NameKey(models.Model):
    """Phonetic keys of a prisoner's names across scripts (see `custody.names`)."""

    prisoner = models.ForeignKey(Prisoner, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)
    rank = models.PositiveSmallIntegerField(default=1, help_text="0: from the primary name")

    class Meta:
        indexes = [models.Index(fields=["key", "rank", "prisoner"])]
        constraints = [
            models.UniqueConstraint(fields=["prisoner", "key"], name="unique_name_key")
        ]

    def __str__(self) -> str:
        return self.key


class Offence(TrackedModel):
    prisoner = models.ForeignKey(Prisoner, on_delete=models.CASCADE, related_name="offences")
    description = models.CharField(_("offence"), max_length=300)
    legal_reference = models.CharField(_("legal reference"), max_length=100, blank=True)
    terrorism_related = models.BooleanField(_("terrorism-related"), default=False)
    committed_on = models.DateField(_("date"), null=True, blank=True)

    def __str__(self) -> str:
        return self.description


class AdmissionRecord(TrackedModel):
    """What Mandela Rule 7 requires to be recorded at admission."""

    prisoner = models.OneToOneField(Prisoner, on_delete=models.CASCADE, related_name="admission")
    commitment_order = models.CharField(_("commitment order reference"), max_length=100)
    commitment_authority = models.CharField(_("committing authority"), max_length=200)
    arrested_on = models.DateField(_("date of arrest"), null=True, blank=True)
    arrest_place = models.CharField(_("place of arrest"), max_length=200, blank=True)
    visible_injuries = models.TextField(_("visible injuries"), blank=True)
    ill_treatment_complaints = models.TextField(
        _("complaints of earlier ill-treatment"), blank=True
    )
    property_inventory = models.TextField(_("property inventory"), blank=True)
    next_of_kin_name = models.CharField(_("next of kin"), max_length=200, blank=True)
    next_of_kin_relationship = models.CharField(_("relationship"), max_length=100, blank=True)
    next_of_kin_contact = models.CharField(_("next of kin contact"), max_length=200, blank=True)
    emergency_contact = models.CharField(_("emergency contact"), max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{_('Admission')} {self.prisoner.prison_number}"


class FamilyMember(TrackedModel):
    """Family and children (Bangkok Rule 3: children's ages, whereabouts and carers)."""

    prisoner = models.ForeignKey(Prisoner, on_delete=models.CASCADE, related_name="family")
    name = models.CharField(_("name"), max_length=200)
    relationship = models.CharField(_("relationship"), max_length=100)
    is_child = models.BooleanField(_("child"), default=False)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    whereabouts = models.CharField(_("where they are"), max_length=200, blank=True)
    carer = models.CharField(_("who cares for them"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class Placement(TrackedModel):
    """A prisoner's stay in a cell. The open placement (no `ended_at`) is where they are."""

    prisoner = models.ForeignKey(Prisoner, on_delete=models.PROTECT, related_name="placements")
    cell = models.ForeignKey(Cell, on_delete=models.PROTECT, related_name="placements")
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("authorised by"),
    )
    overcrowding_override = models.BooleanField(_("overcrowding override"), default=False)
    override_reason = models.CharField(_("override reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["prisoner"], condition=Q(ended_at__isnull=True), name="one_open_placement"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="placement_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prisoner.prison_number} → {self.cell}"


class KeepApartReason(models.TextChoices):
    CO_DEFENDANTS = "co_defendants", _("Co-defendants")
    VICTIM = "victim", _("Victim and perpetrator")
    RIVALS = "rivals", _("Rival groups")
    INTELLIGENCE = "intelligence", _("Intelligence")
    OTHER = "other", _("Other")


class KeepApartLevel(models.TextChoices):
    CELL = "cell", _("Not in the same cell")
    LANDING = "landing", _("Not on the same landing")
    UNIT = "unit", _("Not in the same unit")


class KeepApart(TrackedModel):
    """A non-association order between two prisoners. Closed only with a recorded reason."""

    prisoner_a = models.ForeignKey(Prisoner, on_delete=models.PROTECT, related_name="+")
    prisoner_b = models.ForeignKey(Prisoner, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=KeepApartReason.choices)
    details = models.TextField(_("details"), blank=True)
    level = models.CharField(
        _("level"), max_length=10, choices=KeepApartLevel.choices, default=KeepApartLevel.UNIT
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_reason = models.TextField(_("reason for closing"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(prisoner_a=models.F("prisoner_b")), name="keep_apart_two_people"
            ),
        ]
        indexes = [
            models.Index(fields=["prisoner_a", "closed_at"]),
            models.Index(fields=["prisoner_b", "closed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.prisoner_a.prison_number} ≠ {self.prisoner_b.prison_number}"

    def is_active(self, on: date) -> bool:
        return self.closed_at is None and (self.expires_on is None or self.expires_on >= on)

    def other(self, prisoner_id: int) -> int:
        return self.prisoner_b_id if self.prisoner_a_id == prisoner_id else self.prisoner_a_id
