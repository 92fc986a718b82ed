"""The demo system is realistic, reproducible, and obeys every placement rule."""

from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from custos.access.models import Allocation, RoleAssignment
from custos.access.roles import Role
from custos.accounts.models import User
from custos.assessments.models import Assessment, AssessorCertification, Instrument
from custos.audit.models import AuditEntry
from custos.custody.models import Cell, Facility, KeepApart, Placement, Prisoner, Unit
from custos.intelligence.models import (
    Alert,
    AlertRule,
    CommunicationEvent,
    Dissemination,
    Flag,
    ImportBatch,
    IntelligenceReport,
    MergeProposal,
    OutsidePerson,
    Party,
    Source,
)
from custos.oversight import models as oversight

pytestmark = pytest.mark.django_db


def seed(**options):
    defaults = {"prisoners": 600, "facilities": 6, "seed": 7, "password": "demo-password-1"}
    call_command("seed_demo", **(defaults | options), stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_seed_demo_builds_facilities_prisoners_and_one_user_per_role():
    seed()

    assert Facility.objects.count() == 6
    assert Prisoner.objects.count() == 600
    for role in Role:
        user = User.objects.get(username=role.value)
        assert user.check_password("demo-password-1")
        assert RoleAssignment.objects.filter(user=user, role=role.value).exists()
    statuses = set(Prisoner.objects.values_list("legal_status", flat=True))
    assert statuses == {"remand", "convicted"}
    assert Prisoner.objects.filter(sex="F").exists()
    assert Prisoner.objects.filter(terrorism_related=True).exists()
    assert any(p.is_juvenile() for p in Prisoner.objects.all())
    assert AuditEntry.objects.filter(action="demo.seed").count() == 6
    assert Instrument.objects.count() == 3
    assert AssessorCertification.objects.filter(user__username="assessor2").count() == 3
    casemanager = User.objects.get(username="casemanager")
    assert Allocation.objects.filter(user=casemanager).count() == 6 * 40


def test_every_terrorism_related_prisoner_has_a_locked_screening_with_scores():
    seed()

    screened = Assessment.objects.filter(status="locked", instrument__code="CUSTOS-INTAKE")
    terrorism = set(Prisoner.objects.filter(terrorism_related=True).values_list("id", flat=True))
    assert terrorism <= set(screened.values_list("prisoner_id", flat=True))
    assert screened.count() > len(terrorism)  # and some of the others
    scores = [a.indices for a in screened]
    assert all(set(s) == {"influence", "vulnerability"} for s in scores)
    assert any(s["influence"] > 0 for s in scores) and any(s["vulnerability"] > 0 for s in scores)


def test_seed_demo_twice_adds_nothing():
    seed()
    counts = (Prisoner.objects.count(), Placement.objects.count(), KeepApart.objects.count(),
              User.objects.count())

    seed()

    assert (Prisoner.objects.count(), Placement.objects.count(), KeepApart.objects.count(),
            User.objects.count()) == counts


def test_seed_demo_is_reproducible_from_its_seed():
    seed(seed=11)
    first = list(Prisoner.objects.order_by("prison_number").values_list(
        "prison_number", "display_name", "sex", "legal_status"))
    IntelligenceReport.objects.filter(in_reply_to__isnull=False).delete()
    for model in (Alert, AlertRule, Dissemination, IntelligenceReport, Source,
                  CommunicationEvent, ImportBatch, Flag, MergeProposal, Party, OutsidePerson):
        model.objects.all().delete()
    Assessment.objects.all().delete()
    for model in (oversight.Flag, oversight.RecommendationUpdate, oversight.Recommendation,
                  oversight.MonitoringFinding, oversight.MonitoringVisit, oversight.Complaint,
                  oversight.MonitorMembership, oversight.MonitoringBody,
                  oversight.ImplicatedStaff, oversight.CustodyCase, oversight.Appeal,
                  oversight.Sanction, oversight.Hearing, oversight.DisciplinaryCharge,
                  oversight.MeasureReview, oversight.DailyRecord, oversight.RestrictiveMeasure):
        model.objects.all().delete()
    Placement.objects.all().delete()
    Allocation.objects.all().delete()
    KeepApart.objects.all().delete()
    Prisoner.objects.all().delete()
    Cell.objects.all().delete()
    Unit.objects.all().delete()
    Facility.objects.all().delete()

    seed(seed=11)

    assert list(Prisoner.objects.order_by("prison_number").values_list(
        "prison_number", "display_name", "sex", "legal_status")) == first


def test_demo_crowding_follows_the_published_figures():
    seed(prisoners=1200)

    uganda = Facility.objects.get(country="UG")
    population = uganda.prisoners.count()
    assert population / uganda.official_capacity > 3  # Uganda: 371.6 % occupancy


def test_every_demo_placement_obeys_the_placement_rules():
    seed()
    today = timezone.localdate()
    in_cell = defaultdict(list)
    in_unit = defaultdict(list)
    prisoners = Prisoner.objects.select_related("current_cell__unit__facility")
    for p in prisoners:
        assert p.current_cell is not None, p
        facts = (p.sex, p.is_juvenile(today), p.legal_status)
        in_cell[p.current_cell].append(facts)
        in_unit[p.current_cell.unit].append(facts)

    for cell, people in in_cell.items():
        assert len({f[0] for f in people}) == 1, f"Rule 11 sexes mixed in {cell}"
        assert len({f[1] for f in people}) == 1, f"Rule 11 ages mixed in {cell}"
        assert len({f[2] for f in people}) == 1, f"Rule 11 legal status mixed in {cell}"
        if cell.single_occupancy:
            assert len(people) == 1, cell
        over = Placement.objects.filter(cell=cell, ended_at__isnull=True,
                                        overcrowding_override=False).count()
        assert over <= cell.beds, f"{cell}: beyond capacity without a recorded override"
    for unit, people in in_unit.items():
        for position, mixed in enumerate((unit.mixed_sex, unit.mixed_age,
                                          unit.mixed_legal_status)):
            if not mixed:
                assert len({f[position] for f in people}) == 1, unit
    for order in KeepApart.objects.select_related("prisoner_a__current_cell",
                                                  "prisoner_b__current_cell"):
        assert order.prisoner_a.current_cell.unit_id != order.prisoner_b.current_cell.unit_id
