"""Every page and API endpoint, for every role: the answer is what the access table says.

`access.endpoints.ENDPOINTS` names the permission each method of each endpoint needs, and
`access.policy.PERMISSIONS` the roles that hold it. This walks every URL pattern: one that is
missing from the table fails here, so no endpoint can be added without a decision.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from custos.access.endpoints import ENDPOINTS, PUBLIC, SIGNED_IN
from custos.access.models import Allocation
from custos.access.policy import PERMISSIONS
from custos.access.roles import Role
from custos.assessments import classifying, workflow
from custos.assessments.models import (
    AssessorCertification,
    CalibrationExercise,
    ClassificationReview,
)
from custos.assessments.services import instrument_load
from custos.audit.models import AuditEntry
from custos.custody import services
from custos.housing import services as housing
from custos.housing.inputs import snapshot_for
from custos.housing.models import HousingPlan
from custos.intelligence import services as intelligence
from custos.intelligence.models import Alert, ImportBatch, MergeProposal

from ..factories import (
    CellFactory,
    FacilityFactory,
    PrisonerFactory,
    UnitFactory,
    user_with_role,
)
from ..oversight.world import join_monitors_to_body, oversight_world


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            yield from walk(entry.url_patterns, prefix + namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, entry


def params(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


PATTERNS = {name: p for name, p in walk(get_resolver().url_patterns) if "format" not in params(p)}


def test_every_endpoint_is_in_the_access_table_and_nothing_else_is():
    assert sorted(set(PATTERNS) - set(ENDPOINTS)) == []
    assert sorted(set(ENDPOINTS) - set(PATTERNS)) == []
    for name, methods in ENDPOINTS.items():
        for permission in methods.values():
            assert permission in PERMISSIONS or permission in (PUBLIC, SIGNED_IN), name


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The facility and the world, made once per module (a few thousand cases read them) in a
    transaction rolled back at the end; each case runs in its own savepoint inside it, so what
    a case writes is undone before the next one."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            facility = FacilityFactory(code="BKO", name="Bamako Central", official_capacity=4)
            cell = CellFactory(unit=UnitFactory(facility=facility, code="A", regime="general"),
                               number="A-01", beds=2)
            director = user_with_role(Role.DIRECTOR, facility)
            yield facility, _world(facility, cell, director)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def facility(built, db):
    return built[0]


@pytest.fixture
def world(built, db):
    return built[1]


def _world(facility, cell, director):
    prisoner = PrisonerFactory(facility=facility)
    placement = services.placement_create(acting_user=director, prisoner=prisoner, cell=cell,
                                          reason="x")
    other = PrisonerFactory(facility=facility)
    order = services.keep_apart_create(acting_user=director, prisoner_a=prisoner,
                                       prisoner_b=other, reason="rivals")
    allocation = Allocation.objects.create(
        user=user_with_role("casemanager", facility, username="cm-world"), prisoner=prisoner,
        allocated_by=director)
    assessment = _assessment(facility, prisoner)
    classifying.rules_load(text=(Path(__file__).resolve().parents[2] / "instruments"
                                 / "classification.yaml").read_text())
    proposal = classifying.classification_propose(acting_user=director, prisoner=prisoner)
    review = ClassificationReview.objects.create(classification=proposal, grounds="Unfair",
                                                 recorded_by=director)
    exercise = CalibrationExercise.objects.create(
        instrument_id=assessment.instrument_id, title="Vignette", vignette="A case.",
        created_by=director)
    # A closed exercise: its agreement is for every calibrator (an open one's is withheld
    # from an assessor who has not rated it).
    closed = CalibrationExercise.objects.create(
        instrument_id=assessment.instrument_id, title="Closed vignette", vignette="A case.",
        created_by=director, closed_at=timezone.now())
    queued, ready = _housing_plans(facility, director)
    intelligence = _intelligence(facility, prisoner)
    oversight = oversight_world(facility, prisoner, director)
    return {"prisoner": prisoner.pk, "code": facility.code, "keep": order.pk,
            "instrument": assessment.instrument_id, "assessment": assessment.pk,
            "cell": cell.pk, "unit": cell.unit_id, "facility": facility.pk,
            "placement": placement.pk, "allocation_end": allocation.pk, "user": director.pk,
            "caseload": [prisoner.pk, other.pk], "classification": proposal.pk,
            "classification_review": review.pk,
            "calibration_exercise": exercise.pk, "calibration": exercise.pk,
            "calibration_closed": closed.pk, "housing": ready.pk,
            "housing_queued": queued.pk, **intelligence, **oversight}


def _housing_plans(facility, director):
    """A queued plan (to cancel) and a ready one with no moves (to read, approve, reject)."""
    queued = housing.plan_create(acting_user=director, kind="facility", facility=facility,
                                 time_limit=5)
    ready = housing.plan_create(acting_user=director, kind="admissions", facility=facility,
                                time_limit=5)
    ready.status, ready.snapshot = "ready", snapshot_for(plan=ready)
    ready.result = {"assignments": [], "metrics": {}, "baseline": {}, "current": {},
                    "conflicts": [], "alternatives": []}
    ready.save()
    return queued, HousingPlan.objects.get(pk=ready.pk)


def _intelligence(facility, prisoner):
    """An open graded report, a dissemination of it to police, a source, a person, an alert
    rule and an alert, for the intelligence endpoints."""
    analyst = user_with_role("analyst", facility, username="an-world")
    handler = user_with_role("sourcehandler", facility, username="sh-world")
    report = intelligence.report_create(
        acting_user=analyst, facility=facility, occurred_at=timezone.now(), summary="Seen",
        text="Passing notes on the yard.", prisoners=[prisoner],
        grades={"source_evaluation": "1", "intelligence_assessment": "A",
                "handling_code": "P"})
    made = intelligence.disseminate(acting_user=analyst, report=report, audience="police",
                                    recipients="Police CT unit", text="Notes passed.")
    source = intelligence.source_create(acting_user=handler, reference="S-1",
                                        identity="A. Person", facility=facility)
    person = intelligence.person_create(acting_user=analyst, name="Outside Person")
    rule = intelligence.alert_rule_create(acting_user=analyst, name="Flagged",
                                          kind="flagged_contact")
    party = intelligence.party_of(prisoner=prisoner)
    alert = Alert.objects.create(rule=rule, facility=facility, subject=party,
                                 other=person.party, explanation={"code": "flagged_contact"},
                                 first_event_at=timezone.now())
    twin = intelligence.person_create(acting_user=analyst, name="Outside Person")
    proposal = MergeProposal.objects.create(kept=person, absorbed=twin, score=0.9, reasons=[])
    batch = ImportBatch.objects.create(file_name="calls.csv", file_sha256="0" * 64,
                                       mapping="canonical", rows=2, added=1,
                                       rejected=[{"row": 3, "reason": "unknown kind"}])
    return {"intelligence": report.pk, "dissemination": made.pk, "source": source.pk,
            "import": batch.pk,
            "merge_proposal": proposal.pk, "party": party.pk, "other_party": person.party.pk,
            "person": person.pk, "alert_rule": rule.pk, "alert": alert.pk,
            "compartment": intelligence.compartment_create(acting_user=analyst,
                                                           name="Op").pk}


def _assessment(facility, prisoner):
    """A draft assessment by a certified assessor, of an instrument loaded from its file."""
    path = Path(__file__).resolve().parents[2] / "instruments" / "cell-sharing.yaml"
    instrument = instrument_load(acting_user=None, text=path.read_text(),
                                 source_name=path.name)
    assessor = user_with_role("assessor", facility, username="as-world")
    today = timezone.localdate()
    AssessorCertification.objects.create(
        user=assessor, instrument_code=instrument.code, certified_on=today,
        expires_on=today + timedelta(days=30), certified_by=assessor)
    return workflow.assessment_start(acting_user=assessor, prisoner=prisoner,
                                     instrument=instrument, occasion="admission")


def url_for(name: str, world) -> str:
    """The URL of `name` with ids of real rows: `keep-apart-detail` gets a keep-apart's id."""
    kwargs = {}
    for key in params(PATTERNS[name]):
        if key == "code":
            kwargs[key] = world["code"]
        elif key == "user":
            kwargs[key] = world["user"]
        elif name == "custody:keep_apart_close":
            kwargs[key] = world["keep"]
        elif name == "classification-review-decide":
            kwargs[key] = world["classification_review"]
        elif name == "calibration-results":
            kwargs[key] = world["calibration_closed"]
        elif name == "assessments:detail":
            kwargs[key] = world["assessment"]
        elif name == "housing-plan-cancel":
            kwargs[key] = world["housing_queued"]
        elif name.startswith("housing:"):  # the pages: the ready plan
            kwargs[key] = world["housing"]
        elif name == "intelligence:compartment":
            # A compartment exists only for its members: the analysts signed in here join it.
            from custos.access.models import CompartmentMember
            from custos.accounts.models import User

            for analyst in User.objects.filter(role_assignments__role=Role.ANALYST):
                CompartmentMember.objects.get_or_create(
                    compartment_id=world["compartment"], user=analyst, ended_at=None)
            kwargs[key] = world["compartment"]
        elif name.startswith("intelligence:"):  # the pages: report, disseminate, source…
            page = name.removeprefix("intelligence:")
            kwargs[key] = world["intelligence" if page in ("report", "disseminate") else page]
        elif name.startswith("intelligence-"):
            resource = name.removeprefix("intelligence-").rsplit("-", 1)[0].replace("-", "_")
            kwargs[key] = world["intelligence" if resource == "report" else resource]
        elif name.startswith(("oversight:", "oversight-")):  # URL parameters name world keys
            join_monitors_to_body(world["body"])
            kwargs[key] = world[key]
        else:
            resource = name.split("-")[0].split(":")[-1]
            kwargs[key] = world.get(resource, world["prisoner"])
    return reverse(name, kwargs=kwargs) + _query(name, world)


def _query(name: str, world) -> str:
    """The query string a GET needs to be well formed (the network's parties, a reason)."""
    if not name.startswith("intelligence-network-") or name.endswith(("-list", "-changes")):
        return ""
    party, other = world["party"], world["other_party"]
    return {"intelligence-network-path": f"?a={party}&b={other}",
            "intelligence-network-export": f"?party={party}&reason=For+the+matrix+test"
            }.get(name, f"?party={party}")


CASES = [(name, method, permission) for name, methods in sorted(ENDPOINTS.items())
         for method, permission in methods.items() if permission not in (PUBLIC, SIGNED_IN)]


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("name,method,permission", CASES,
                         ids=[f"{m} {n}" for n, m, _ in CASES])
def test_role_gets_what_the_table_says(client, world, facility, role, name, method,
                                       permission):
    user = user_with_role(role, facility, username=f"m-{role}")
    for prisoner_id in world["caseload"]:  # caseload roles see only what is allocated to them
        Allocation.objects.create(user=user, prisoner_id=prisoner_id, allocated_by=user)
    client.force_login(user)
    allowed = role in PERMISSIONS[permission]
    entries_before = AuditEntry.objects.count()
    denials_before = AuditEntry.objects.filter(action="access.denied").count()

    response = getattr(client, method.lower())(url_for(name, world), data={},
                                               content_type="application/json")

    if not allowed:
        assert response.status_code == 403, (role, name, response.status_code)
        assert AuditEntry.objects.filter(action="access.denied").count() == denials_before + 1
        assert AuditEntry.objects.count() == entries_before + 1  # the denial, nothing else
    elif method == "GET":
        assert response.status_code == 200, (role, name, response.status_code)
    else:  # allowed to write: an empty body is refused as bad input, not as forbidden (a
        # write that needs no body, such as asking for merge proposals, is carried out)
        assert response.status_code in (200, 201, 400), (role, name, response.status_code)


def test_anonymous_visitors_reach_only_public_endpoints(client, world):
    for name, methods in ENDPOINTS.items():
        if "GET" not in methods or methods["GET"] == PUBLIC:
            continue
        response = client.get(url_for(name, world))
        assert response.status_code in (302, 401, 403), name
        if response.status_code == 302:
            assert response["Location"].startswith("/login/")


def test_signed_in_users_of_any_role_read_the_api_schema(client, facility):
    client.force_login(user_with_role("partner", facility, username="schema-reader"))

    assert client.get(reverse("schema")).status_code == 200
