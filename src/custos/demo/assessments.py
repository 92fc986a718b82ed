"""The demo's assessment set-up: the shipped instruments and rules, certified assessors."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from django.db import connection
from django.utils import timezone

from custos.access.models import RoleAssignment
from custos.access.roles import Role
from custos.accounts.models import User
from custos.assessments import classifying, rules, services
from custos.assessments.instruments import items_of
from custos.assessments.models import Assessment, AssessorCertification, Instrument
from custos.custody.models import Prisoner

from . import bulk

SHIPPED = Path(__file__).resolve().parents[3] / "instruments"
INSTRUMENTS = ("intake-screening.yaml", "ve-risk-needs.yaml", "cell-sharing.yaml")


def set_up(*, director: User, assessor: User, password_hash: str) -> list[str]:
    """Load what ships in instruments/ and certify two assessors (one countersigns)."""
    if not SHIPPED.is_dir():
        return []
    loaded = [services.instrument_load(acting_user=None, text=(SHIPPED / name).read_text(),
                                       source_name=name) for name in INSTRUMENTS]
    classifying.rules_load(text=(SHIPPED / "classification.yaml").read_text())
    second, created = User.objects.get_or_create(
        username="assessor2", defaults={"display_name": "Second assessor"})
    if created:
        second.password = password_hash
        second.save(update_fields=["password"])
    RoleAssignment.objects.get_or_create(user=second, role=Role.ASSESSOR, facility=None)
    today = timezone.localdate()
    for user in (assessor, second):
        for instrument in loaded:
            AssessorCertification.objects.get_or_create(
                user=user, instrument_code=instrument.code,
                defaults={"certified_on": today - timedelta(days=30),
                          "expires_on": today + timedelta(days=365), "certified_by": director})
    return [str(i) for i in loaded]


def intake_screenings(*, instrument: Instrument, assessor: User, seed: int) -> int:
    """A locked intake screening for every terrorism-related prisoner and about a quarter of
    the others who have none yet, with ratings drawn to match (higher for the former), so
    influence and vulnerability scores exist for the housing optimiser and the files."""
    rng = random.Random(seed)
    definition = instrument.definition
    items = [(item["code"], [level["value"] for level in
                             definition["scales"][item["scale"]]["levels"]])
             for item in items_of(definition)]
    judgements = [level["value"] for level in definition["scales"][
        definition["summary"]["judgement"]["scale"]]["levels"]]
    done = set(Assessment.objects.filter(instrument=instrument)
               .values_list("prisoner_id", flat=True))
    now = timezone.now()
    rows = []
    for pk, terrorism in Prisoner.objects.filter(status="in_custody").values_list(
            "id", "terrorism_related").order_by("id"):
        if pk in done or not (terrorism or rng.random() < 0.25):
            continue
        ratings = {}
        for code, levels in items:
            raised = rng.random() < (0.35 if terrorism else 0.12)
            ratings[code] = {"value": rng.choice(levels[1:]) if raised and len(levels) > 1
                             else levels[0], "rationale": "Demo rating"}
        summary = rules.summarise(definition, ratings)
        rows.append((pk, instrument.pk, assessor.pk, "locked", "Admission", ratings,
                     rng.choice(judgements), "Demo screening on admission.", summary.score,
                     summary.band, dict(summary.indices), now, now, "",
                     now, assessor.pk, now, assessor.pk, 1))
    bulk.insert(Assessment, (
        "prisoner", "instrument", "assessor", "status", "occasion", "ratings", "judgement",
        "reasons", "score", "band", "indices", "submitted_at", "locked_at",
        "correction_reason", "created_at", "created_by", "updated_at", "updated_by",
        "version"), [_json_ready(row) for row in rows])
    return len(rows)


def _json_ready(row: tuple) -> tuple:
    """JSON values adapted as the database expects them (jsonb on PostgreSQL)."""
    field = Assessment._meta.get_field("ratings")
    return tuple(field.get_db_prep_value(v, connection) if isinstance(v, dict) else v
                 for v in row)
