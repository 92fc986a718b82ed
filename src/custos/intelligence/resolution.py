"""Identity resolution: outside-person records that may be one person.

Imports create one record per phone number or document they have not seen, so one mother
who calls from two numbers, or whose number is written once with its country code and once
without, or whose name is spelt two ways, becomes several records. `propose` finds such
records and proposes merges with a score and its reasons; an analyst accepts, rejects or
later undoes each. Accepting points the newer record at the older one (`merged_into`);
nothing else is rewritten, so events keep their parties and an undo is exact.

Records are compared only within blocks, never all pairs: people who share an identifier
key (a phone number's last eight digits, a document number), people whose whole name has
one key (custody.names skeletons, any word order), and people in contact with the same
prisoner who share a word of their names. Blocks larger than `MAX_BLOCK` say nothing about
identity (a common name) and are skipped.

The score is 1 − Π(1 − wᵢ) over the evidence found, each piece with a weight:
a shared phone number 0.8, document 0.9, e-mail 0.8, address 0.4; similar names up to 0.45
(Jaro-Winkler ≥ 0.85 over transliterated, sorted words); the same date of birth 0.5; the
same related prisoner 0.3; contact with the same prisoners up to 0.35 (Jaccard share). Two
different dates of birth multiply it by 0.3. A name alone never reaches the threshold (0.5):
many people share one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.errors import InvalidInput, InvalidTransition
from custos.custody.names import skeleton

from .identifiers import (
    document_key,
    name_key,
    name_tokens,
    name_words,
    phone_tail,
    words_similarity,
)
from .models import (
    CommunicationEvent,
    Identifier,
    IdentifierKind,
    MergeProposal,
    MergeStatus,
    OutsidePerson,
    Party,
)

THRESHOLD = 0.5
MAX_BLOCK = 25
IDENTIFIER_WEIGHTS = {"phone": 0.8, "document": 0.9, "email": 0.8, "address": 0.4}
NAME_WEIGHT, NAME_FROM = 0.45, 0.85
DATE_OF_BIRTH_WEIGHT, RELATED_PRISONER_WEIGHT, CONTACTS_WEIGHT = 0.5, 0.3, 0.35
DIFFERENT_BIRTH_FACTOR = 0.3
TRANSITIONS = {
    MergeStatus.PROPOSED: {MergeStatus.ACCEPTED, MergeStatus.REJECTED},
    MergeStatus.ACCEPTED: {MergeStatus.UNDONE},
}


# Merged records ---------------------------------------------------------------------------

def root_of(person_id: int) -> int:
    """The record a person is finally merged into (the person itself when not merged)."""
    seen = {person_id}
    current = person_id
    while True:
        parent = (OutsidePerson.objects.filter(pk=current)
                  .values_list("merged_into_id", flat=True).first())
        if parent is None or parent in seen:
            return current
        seen.add(parent)
        current = parent


def merged_roots() -> dict[int, int]:
    """{person id: root person id} for every merged person, from one query."""
    parent = dict(OutsidePerson.objects.filter(merged_into__isnull=False)
                  .values_list("pk", "merged_into_id"))
    roots: dict[int, int] = {}
    for person in parent:
        path, current = [], person
        while current in parent and current not in roots and current not in path:
            path.append(current)
            current = parent[current]
        root = roots.get(current, current)
        for step in path:
            roots[step] = root
    return roots


# Proposals --------------------------------------------------------------------------------

@dataclass
class _Person:
    pk: int
    name: str
    created: tuple
    date_of_birth: object = None
    related_prisoner: int | None = None
    identifiers: dict[tuple[str, str], str] = field(default_factory=dict)  # block key → value
    contacts: set[int] = field(default_factory=set)
    # the name's forms the comparisons use, made once per record, not once per pair (they
    # transliterate and take skeletons: most of the scoring's time)
    words: str = field(init=False)  # name_words
    key: str = field(init=False)  # name_key

    def __post_init__(self):
        self.words = name_words(self.name)
        self.key = name_key(self.name)


def _identifier_block(kind: str, key: str, value: str) -> tuple[str, str]:
    if kind == IdentifierKind.PHONE:
        return "phone", phone_tail(key)
    if kind in (IdentifierKind.DOCUMENT, IdentifierKind.OTHER, IdentifierKind.ACCOUNT):
        found = document_key(value)
        return ("document", found) if found else (kind, key)
    return kind, key


def _people() -> dict[int, _Person]:
    people = {
        pk: _Person(pk=pk, name=name, created=(created, pk), date_of_birth=born,
                    related_prisoner=related)
        for pk, name, created, born, related in OutsidePerson.objects.filter(
            merged_into__isnull=True).values_list(
            "pk", "name", "created_at", "date_of_birth", "related_prisoner_id")}
    for person, kind, key, value in Identifier.objects.filter(
            person__merged_into__isnull=True).values_list("person_id", "kind", "key", "value"):
        people[person].identifiers[_identifier_block(kind, key, value)] = value
    party_of = dict(Party.objects.filter(person__merged_into__isnull=True,
                                         person__isnull=False).values_list("pk", "person_id"))
    events = CommunicationEvent._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The distinct pairs of a national year (~1.5 million) hash in memory; with the
            # default 4 MB the aggregate spills to disk and was seen to take many minutes.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"SELECT DISTINCT from_party_id, to_party_id FROM {events}")  # noqa: S608
        for a, b in cursor.fetchall():
            if a in party_of:
                people[party_of[a]].contacts.add(b)
            if b in party_of:
                people[party_of[b]].contacts.add(a)
    return people


def _candidates(people: dict[int, _Person]) -> set[tuple[int, int]]:
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for person in people.values():
        for block in person.identifiers:
            blocks[("id", *block)].append(person.pk)
        if person.key:
            blocks[("name", person.key)].append(person.pk)
        words = {skeleton(t) for t in name_tokens(person.name)} - {""}
        for contact in person.contacts:
            for word in words:
                blocks[("contact", contact, word)].append(person.pk)
    pairs = set()
    for members in blocks.values():
        if 1 < len(members) <= MAX_BLOCK:
            pairs.update((min(a, b), max(a, b)) for a, b in combinations(set(members), 2))
    return pairs


def _reason(code: str, text: str, **params) -> dict:
    return {"code": code, "params": params, "text": text % params if params else text}


def _shared_text(kind: str) -> str:
    return {
        "phone": _("Shared phone number: %(first)s and %(second)s"),
        "document": _("Shared identity document: %(first)s and %(second)s"),
        "email": _("Shared e-mail address: %(first)s and %(second)s"),
        "address": _("Shared address: %(first)s and %(second)s"),
    }[kind]


def score(a: _Person, b: _Person) -> tuple[float, list[dict]]:
    """How likely two records are one person, in [0, 1], and why."""
    weights, reasons = [], []
    for block in sorted(a.identifiers.keys() & b.identifiers.keys()):
        kind = block[0] if block[0] in IDENTIFIER_WEIGHTS else "document"
        weights.append(IDENTIFIER_WEIGHTS[kind])
        reasons.append(_reason(f"shared_{kind}", _shared_text(kind), first=a.identifiers[block],
                               second=b.identifiers[block]))
    similarity = words_similarity(a.words, b.words)
    if a.key and a.key == b.key:
        similarity = max(similarity, 0.95)
    if similarity >= NAME_FROM:
        weights.append(NAME_WEIGHT * (similarity - NAME_FROM) / (1 - NAME_FROM) * 0.5
                       + NAME_WEIGHT * 0.5)
        reasons.append(_reason("similar_names", _("Similar names: %(first)s and %(second)s "
                                                  "(similarity %(similarity)s)"),
                               first=a.name, second=b.name, similarity=round(similarity, 2)))
    different_birth = False
    if a.date_of_birth and b.date_of_birth:
        if a.date_of_birth == b.date_of_birth:
            weights.append(DATE_OF_BIRTH_WEIGHT)
            reasons.append(_reason("same_date_of_birth", _("Same date of birth: %(date)s"),
                                   date=a.date_of_birth.isoformat()))
        else:
            different_birth = True
            reasons.append(_reason("different_dates_of_birth",
                                   _("Different dates of birth: %(first)s and %(second)s"),
                                   first=a.date_of_birth.isoformat(),
                                   second=b.date_of_birth.isoformat()))
    if a.related_prisoner and a.related_prisoner == b.related_prisoner:
        weights.append(RELATED_PRISONER_WEIGHT)
        reasons.append(_reason("same_related_prisoner",
                               _("Both are relatives or visitors of the same prisoner")))
    shared = a.contacts & b.contacts
    if shared:
        weights.append(CONTACTS_WEIGHT * len(shared) / len(a.contacts | b.contacts))
        reasons.append(_reason("shared_contacts",
                               _("In contact with the same people: %(count)s in common"),
                               count=len(shared)))
    unlikely = 1.0
    for weight in weights:
        unlikely *= 1 - weight
    value = (1 - unlikely) * (DIFFERENT_BIRTH_FACTOR if different_birth else 1)
    return round(value, 3), reasons


def propose(*, acting_user=None, limit: int = 1000) -> list[MergeProposal]:
    """Create up to `limit` proposals, best first, for pairs never proposed before.
    `acting_user` None: the system (a scheduled run)."""
    if acting_user is not None:
        policy.require(acting_user, "intelligence.analyse")
    people = _people()
    pairs = _candidates(people)
    known = set()
    for kept, absorbed in MergeProposal.objects.values_list("kept_id", "absorbed_id"):
        known.add((min(kept, absorbed), max(kept, absorbed)))
    found = []
    for a, b in pairs - known:
        value, reasons = score(people[a], people[b])
        if value >= THRESHOLD:
            older, newer = sorted((people[a], people[b]), key=lambda p: p.created)
            found.append((value, older.pk, newer.pk, reasons))
    found.sort(key=lambda f: (-f[0], f[1], f[2]))
    with transaction.atomic():
        made = MergeProposal.objects.bulk_create(
            [MergeProposal(kept_id=kept, absorbed_id=absorbed, score=value, reasons=reasons,
                           created_by=acting_user, updated_by=acting_user)
             for value, kept, absorbed, reasons in found[:limit]])
        trail.record(acting_user, "intelligence.merge_propose", None,
                     changes={"proposals": len(made), "candidates": len(pairs)},
                     object_type=MergeProposal._meta.label_lower)
    return made


# Decisions --------------------------------------------------------------------------------

def _locked(proposal: MergeProposal, to: str) -> MergeProposal:
    locked = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if to not in TRANSITIONS.get(locked.status, set()):
        raise InvalidTransition(
            _("This merge proposal is already %(status)s: it cannot be %(target)s.") % {
                "status": locked.get_status_display().lower(),
                "target": MergeStatus(to).label.lower()}, field="status")
    return locked


def _decided(proposal: MergeProposal, user, status: str, reason: str) -> None:
    proposal.status = status
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.decision_reason = reason[:300]
    proposal.stamp(user)
    proposal.version += 1
    proposal.save()


def _required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for this decision."), field="reason")
    return reason


@transaction.atomic
def accept(*, acting_user, proposal: MergeProposal, reason: str = "") -> MergeProposal:
    """Merge the newer record into the older one (into its root when the older one is itself
    merged). Refuses a merge of a person into themselves or one that would make a cycle."""
    policy.require(acting_user, "intelligence.analyse")
    proposal = _locked(proposal, MergeStatus.ACCEPTED)
    if proposal.kept_id == proposal.absorbed_id:
        raise InvalidInput(_("A person cannot be merged into themselves."), field="absorbed")
    absorbed = OutsidePerson.objects.select_for_update().get(pk=proposal.absorbed_id)
    target = root_of(proposal.kept_id)
    if target == absorbed.pk:
        raise InvalidInput(_("%(kept)s is already merged into %(absorbed)s: merging them the "
                             "other way would make a cycle.") % {
            "kept": proposal.kept.name, "absorbed": absorbed.name}, field="absorbed")
    if absorbed.merged_into_id is not None:
        raise InvalidInput(_("%(absorbed)s is already merged into another record: undo that "
                             "merge first.") % {"absorbed": absorbed.name}, field="absorbed")
    absorbed.merged_into_id = target
    absorbed.stamp(acting_user)
    absorbed.version += 1
    absorbed.save(update_fields=["merged_into", "updated_by", "updated_at", "version"])
    _decided(proposal, acting_user, MergeStatus.ACCEPTED, (reason or "").strip())
    trail.record(acting_user, "intelligence.merge_accept", proposal, changes={
        "kept": proposal.kept_id, "absorbed": absorbed.pk, "merged_into": [None, target],
        "status": [MergeStatus.PROPOSED, MergeStatus.ACCEPTED]}, reason=reason or "")
    return proposal


@transaction.atomic
def reject(*, acting_user, proposal: MergeProposal, reason: str) -> MergeProposal:
    """The records are two people: the pair is not proposed again."""
    policy.require(acting_user, "intelligence.analyse")
    reason = _required(reason)
    proposal = _locked(proposal, MergeStatus.REJECTED)
    _decided(proposal, acting_user, MergeStatus.REJECTED, reason)
    trail.record(acting_user, "intelligence.merge_reject", proposal, changes={
        "kept": proposal.kept_id, "absorbed": proposal.absorbed_id,
        "status": [MergeStatus.PROPOSED, MergeStatus.REJECTED]}, reason=reason)
    return proposal


@transaction.atomic
def undo(*, acting_user, proposal: MergeProposal, reason: str) -> MergeProposal:
    """Separate an accepted merge again. Records merged into the absorbed one since stay
    merged into it."""
    policy.require(acting_user, "intelligence.analyse")
    reason = _required(reason)
    proposal = _locked(proposal, MergeStatus.UNDONE)
    absorbed = OutsidePerson.objects.select_for_update().get(pk=proposal.absorbed_id)
    before = absorbed.merged_into_id
    absorbed.merged_into = None
    absorbed.stamp(acting_user)
    absorbed.version += 1
    absorbed.save(update_fields=["merged_into", "updated_by", "updated_at", "version"])
    _decided(proposal, acting_user, MergeStatus.UNDONE, reason)
    trail.record(acting_user, "intelligence.merge_undo", proposal, changes={
        "kept": proposal.kept_id, "absorbed": absorbed.pk, "merged_into": [before, None],
        "status": [MergeStatus.ACCEPTED, MergeStatus.UNDONE]}, reason=reason)
    return proposal

