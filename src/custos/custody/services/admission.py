"""Admission (the Mandela Rule 7 record), changes to the file, and release."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy, redaction
from custos.audit import trail
from custos.core.concurrency import save_versioned
from custos.core.errors import InvalidInput, RuleViolation, check_choice

from ..models import (
    AdmissionRecord,
    Cell,
    CustodyStatus,
    Facility,
    FamilyMember,
    LegalStatus,
    NameKey,
    NameKind,
    Offence,
    Prisoner,
    PrisonerName,
    Script,
    Sex,
)
from ..names import prisoner_keys
from .placements import end_open_placement, placement_create, status_change_check

# --- admission, change and release ---------------------------------------------------------

ADMISSION_FIELDS = (
    "commitment_order", "commitment_authority", "arrested_on", "arrest_place",
    "visible_injuries", "ill_treatment_complaints", "property_inventory", "next_of_kin_name",
    "next_of_kin_relationship", "next_of_kin_contact", "emergency_contact",
)
EDITABLE_FIELDS = (
    "date_of_birth", "sex", "nationality", "languages", "interpreter_needed", "legal_status",
    "terrorism_related", "returned_foreign_fighter", "sentence_start", "expected_release",
    "religion", "health_notes", "disability", "mental_health_condition", "pregnant_or_nursing",
    "group_affiliation", "needs_single_cell", "needs_accessible_cell", "family_home",
    "family_home_latitude", "family_home_longitude",
)


def _validate_identity(values: Mapping, *, today: date) -> None:
    dob = values.get("date_of_birth")
    if dob is not None and dob > today:
        raise InvalidInput(_("The date of birth cannot be in the future."), field="date_of_birth")
    if dob is not None and dob < today - timedelta(days=365 * 120):
        raise InvalidInput(_("The date of birth is more than 120 years ago."),
                           field="date_of_birth")
    if "sex" in values:
        check_choice(values["sex"], Sex, "sex")
    if "legal_status" in values:
        check_choice(values["legal_status"], LegalStatus, "legal_status")
    start, end = values.get("sentence_start"), values.get("expected_release")
    if start and end and end < start:
        raise InvalidInput(_("The expected release is before the sentence start."),
                           field="expected_release")
    latitude, longitude = values.get("family_home_latitude"), values.get("family_home_longitude")
    if latitude is not None and not -90 <= latitude <= 90:
        raise InvalidInput(_("A latitude is between -90 and 90 degrees."),
                           field="family_home_latitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise InvalidInput(_("A longitude is between -180 and 180 degrees."),
                           field="family_home_longitude")


def _index_names(prisoner: Prisoner, names: Iterable[str]) -> None:
    NameKey.objects.filter(prisoner=prisoner).delete()
    NameKey.objects.bulk_create([NameKey(prisoner=prisoner, key=key, rank=rank)
                                 for key, rank in sorted(prisoner_keys(list(names)).items())])


def _clean_names(names: list[Mapping]) -> list[PrisonerName]:
    cleaned = []
    for i, name in enumerate(names):
        full = (name.get("full_name") or "").strip()
        if not full:
            continue
        script = name.get("script") or Script.LATIN
        kind = name.get("kind") or (NameKind.PRIMARY if not cleaned else NameKind.TRANSLITERATION)
        check_choice(script, Script, f"names[{i}].script")
        check_choice(kind, NameKind, f"names[{i}].kind")
        cleaned.append(PrisonerName(full_name=full, script=script, kind=kind))
    if not cleaned:
        raise InvalidInput(_("Record at least one name."), field="names")
    return cleaned


@transaction.atomic
def prisoner_admit(
    *,
    acting_user,
    facility: Facility,
    prison_number: str,
    names: list[Mapping],
    date_of_birth: date,
    sex: str,
    legal_status: str,
    admitted_at: datetime | None = None,
    admission: Mapping | None = None,
    family: Iterable[Mapping] = (),
    offences: Iterable[Mapping] = (),
    cell: Cell | None = None,
    placement_reason: str = "",
    **identity,
) -> Prisoner:
    """Admit a prisoner with the Mandela Rule 7 record, and place them if a cell is given."""
    policy.require(acting_user, "custody.admit", facility_id=facility.pk)
    now = timezone.now()
    admitted_at = admitted_at or now
    unknown = set(identity) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))},
                           field=sorted(unknown)[0])
    redaction.require_fields(acting_user, "custody.prisoner",
                             [name for name, value in identity.items() if value],
                             facility_id=facility.pk)
    prison_number = (prison_number or "").strip()
    if not prison_number:
        raise InvalidInput(_("The prison number is required."), field="prison_number")
    if Prisoner.objects.filter(prison_number=prison_number).exists():
        raise InvalidInput(_("Prison number %(n)s is already in use.") % {"n": prison_number},
                           field="prison_number")
    _validate_identity({"date_of_birth": date_of_birth, "sex": sex, "legal_status": legal_status,
                        **identity}, today=timezone.localdate())
    if admitted_at > now + timedelta(minutes=5):
        raise InvalidInput(_("The admission cannot be in the future."), field="admitted_at")
    if date_of_birth and admitted_at.date() < date_of_birth:
        raise InvalidInput(_("The admission is before the date of birth."), field="admitted_at")
    admission = dict(admission or {})
    if not (admission.get("commitment_order") or "").strip():
        raise InvalidInput(_("Mandela Rule 7(b): record the commitment order."),
                           field="commitment_order")
    if not (admission.get("commitment_authority") or "").strip():
        raise InvalidInput(_("Mandela Rule 7(b): record the committing authority."),
                           field="commitment_authority")
    arrested = admission.get("arrested_on")
    if arrested and arrested > admitted_at.date():
        raise InvalidInput(_("The arrest is after the admission."), field="arrested_on")
    name_rows = _clean_names(list(names))
    offence_rows = [Offence(**o) for o in offences if (o.get("description") or "").strip()]

    prisoner = Prisoner(
        prison_number=prison_number, display_name=name_rows[0].full_name,
        date_of_birth=date_of_birth, sex=sex, legal_status=legal_status, facility=facility,
        admitted_at=admitted_at, **identity,
    )
    prisoner.terrorism_related = bool(
        prisoner.terrorism_related or any(o.terrorism_related for o in offence_rows))
    prisoner.stamp(acting_user)
    prisoner.full_clean()
    try:
        with transaction.atomic():
            prisoner.save()
    except IntegrityError as error:
        raise InvalidInput(_("Prison number %(n)s is already in use.") % {"n": prison_number},
                           field="prison_number") from error
    for row in name_rows:
        row.prisoner = prisoner
        row.stamp(acting_user)
    PrisonerName.objects.bulk_create(name_rows)
    _index_names(prisoner, [n.full_name for n in name_rows])
    for row in offence_rows:
        row.prisoner = prisoner
        row.stamp(acting_user)
        row.full_clean()
    Offence.objects.bulk_create(offence_rows)
    record = AdmissionRecord(prisoner=prisoner,
                             **{k: admission.get(k) or ("" if k != "arrested_on" else None)
                                for k in ADMISSION_FIELDS})
    record.stamp(acting_user)
    record.full_clean()
    record.save()
    members = [FamilyMember(prisoner=prisoner, **m) for m in family
               if (m.get("name") or "").strip()]
    for member in members:
        member.stamp(acting_user)
        member.full_clean()
    FamilyMember.objects.bulk_create(members)
    trail.record(acting_user, "prisoner.admit", prisoner,
                 changes={"facility": facility.code, "legal_status": legal_status})
    if cell is not None:
        placement_create(acting_user=acting_user, prisoner=prisoner, cell=cell,
                         reason=placement_reason or _("Admission"), at=admitted_at)
        prisoner.refresh_from_db()
    return prisoner


@transaction.atomic
def prisoner_update(*, acting_user, prisoner: Prisoner, expected_version: int,
                    changes: Mapping, cell: Cell | None = None) -> Prisoner:
    """Change identity, legal or sentence details; refused if someone saved in between.

    A change of legal status is refused while the prisoner's cell or unit would then hold
    remand and convicted prisoners together (Mandela Rule 11(b)), unless `cell` names where
    they move in the same transaction; the move is checked under the new status.
    """
    policy.require(acting_user, "custody.edit", facility_id=prisoner.facility_id,
                   prisoner_id=prisoner.pk, target=str(prisoner.pk))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("This field cannot be changed here: %(f)s")
                           % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    redaction.require_fields(acting_user, "custody.prisoner", changes,
                             facility_id=prisoner.facility_id, prisoner_id=prisoner.pk)
    merged = {f: getattr(prisoner, f) for f in EDITABLE_FIELDS} | dict(changes)
    _validate_identity(merged, today=timezone.localdate())
    new_status = changes.get("legal_status", prisoner.legal_status)
    status_changes = new_status != prisoner.legal_status
    if cell is not None and not status_changes:
        raise InvalidInput(_("A new cell goes with a change of legal status; move the "
                             "prisoner through a placement otherwise."), field="cell")
    if status_changes and cell is None:
        _refuse_status_change(prisoner, new_status)
    before = {f: getattr(prisoner, f) for f in changes}
    for field, value in changes.items():
        setattr(prisoner, field, value)
    prisoner.full_clean(exclude=["current_cell", "facility"])
    save_versioned(prisoner, acting_user=acting_user, expected_version=expected_version,
                   fields=list(changes))
    trail.record(acting_user, "prisoner.update", prisoner,
                 changes=trail.diff(before, dict(changes)))
    if cell is not None:
        # Saved first, so the placement rules read the new status from the record.
        placement_create(acting_user=acting_user, prisoner=prisoner, cell=cell,
                         reason=_("Change of legal status"))
        prisoner.refresh_from_db()
    return prisoner


def _refuse_status_change(prisoner: Prisoner, legal_status: str) -> None:
    violations = status_change_check(prisoner=prisoner, legal_status=legal_status)
    if not violations:
        return
    first = violations[0]
    raise RuleViolation(
        _("%(rules)s Choose a new cell for %(who)s in the same change.")
        % {"rules": " ".join(v.message for v in violations), "who": prisoner},
        rule=first.rule, people=first.people, field="legal_status",
        details={"violations": [{"rule": v.rule, "message": v.message,
                                 "people": list(v.people)} for v in violations]})


@transaction.atomic
def prisoner_name_add(*, acting_user, prisoner: Prisoner, full_name: str, script: str,
                      kind: str) -> PrisonerName:
    """Record another way of writing the prisoner's name; search finds them by it at once."""
    policy.require(acting_user, "custody.edit", facility_id=prisoner.facility_id,
                   prisoner_id=prisoner.pk, target=str(prisoner.pk))
    if kind == NameKind.PRIMARY:
        raise InvalidInput(_("A prisoner has one primary name; add this one as another kind."),
                           field="kind")
    row = _clean_names([{"full_name": full_name, "script": script, "kind": kind}])[0]
    if prisoner.names.filter(full_name=row.full_name).exists():
        raise InvalidInput(_("This name is already recorded."), field="full_name")
    row.prisoner = prisoner
    row.stamp(acting_user)
    row.save()
    _index_names(prisoner, list(prisoner.names.order_by("id").values_list("full_name",
                                                                           flat=True)))
    trail.record(acting_user, "prisoner.name_add", prisoner,
                 changes={"name": row.full_name, "script": script, "kind": kind})
    return row


@transaction.atomic
def prisoner_release(*, acting_user, prisoner: Prisoner, released_at: datetime, reason: str,
                     expected_version: int | None) -> Prisoner:
    """Release: the open placement ends at the release time; the file stays."""
    policy.require(acting_user, "custody.release", facility_id=prisoner.facility_id,
                   prisoner_id=prisoner.pk, target=str(prisoner.pk))
    prisoner = Prisoner.objects.select_for_update().get(pk=prisoner.pk)
    if prisoner.status != CustodyStatus.IN_CUSTODY:
        raise InvalidInput(_("%(who)s has already been released.") % {"who": prisoner},
                           field="prisoner")
    if not reason.strip():
        raise InvalidInput(_("Give the reason for release (for example, end of sentence, "
                             "bail, acquittal)."), field="reason")
    if released_at < prisoner.admitted_at:
        raise InvalidInput(_("The release cannot be before the admission."), field="released_at")
    if released_at > timezone.now() + timedelta(minutes=5):
        raise InvalidInput(_("The release cannot be in the future."), field="released_at")
    end_open_placement(prisoner=prisoner, at=released_at, acting_user=acting_user,
                       field="released_at", too_early=_(
                           "The release cannot be before the current placement began."))
    prisoner.status = CustodyStatus.RELEASED
    prisoner.released_at = released_at
    prisoner.release_reason = reason.strip()
    prisoner.current_cell = None
    # Havana Rule 19: a juvenile's file is sealed on release.
    juvenile = prisoner.is_juvenile(prisoner.admitted_at.date()) or prisoner.is_juvenile(
        released_at.date())
    prisoner.sealed_at = released_at if juvenile else None
    save_versioned(prisoner, acting_user=acting_user, expected_version=expected_version,
                   fields=["status", "released_at", "release_reason", "current_cell",
                           "sealed_at"])
    trail.record(acting_user, "prisoner.release", prisoner, reason=prisoner.release_reason,
                 changes={"released_at": released_at.isoformat(), "sealed": juvenile})
    return prisoner
