"""Identity resolution: merge proposals, and accepting, rejecting and undoing them."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.access.roles import Role
from custos.audit.models import AuditEntry
from custos.core.errors import InvalidInput, InvalidTransition
from custos.intelligence import resolution
from custos.intelligence.models import (
    CommunicationEvent,
    Identifier,
    MergeProposal,
    OutsidePerson,
    Party,
)

from ..factories import PrisonerFactory, user_with_role


@pytest.fixture
def analyst(facility):
    return user_with_role(Role.ANALYST, facility)


def person(name, *phones, born=None, related=None):
    made = OutsidePerson.objects.create(name=name, date_of_birth=born, related_prisoner=related)
    for phone in phones:
        key = phone.replace(" ", "")
        Identifier.objects.create(person=made, kind="phone", value=phone, key=key)
    return made


def call(prisoner_party, someone, facility, minute):
    CommunicationEvent.objects.create(
        kind="call", occurred_at=timezone.now().replace(second=0, microsecond=0)
        - timezone.timedelta(minutes=minute), from_party=prisoner_party,
        to_party=Party.objects.get_or_create(person=someone)[0], duration_seconds=60,
        facility=facility, fingerprint=hash((prisoner_party.pk, someone.pk, minute)))


def codes(proposal):
    return [r["code"] for r in proposal.reasons]


def test_one_number_written_two_ways_is_proposed_with_a_high_score(db):
    older = person("Amina Diallo", "+22376000001")
    newer = person("Fatou Keita", "76000001")

    made = resolution.propose()

    assert len(made) == 1
    proposal = MergeProposal.objects.get()
    assert (proposal.kept, proposal.absorbed) == (older, newer)
    assert proposal.score >= 0.8
    assert codes(proposal) == ["shared_phone"]
    assert proposal.reasons[0]["params"] == {"first": "+22376000001", "second": "76000001"}
    assert "Shared phone number" in proposal.reasons[0]["text"]


def test_similar_names_in_contact_with_the_same_prisoner_are_proposed(facility):
    prisoner = Party.objects.create(prisoner=PrisonerFactory(facility=facility))
    amina = person("Amina Diallo", "+33612345678")
    variant = person("DIALLO Aminata", "+33799999999")
    call(prisoner, amina, facility, 1)
    call(prisoner, variant, facility, 2)

    resolution.propose()

    proposal = MergeProposal.objects.get()
    assert (proposal.kept, proposal.absorbed) == (amina, variant)
    assert codes(proposal) == ["similar_names", "shared_contacts"]
    assert 0.5 <= proposal.score < 0.8


def test_same_name_alone_is_not_enough(db):
    person("Amina Diallo", "+33612345678")
    person("Amina Diallo", "+33799999999")

    assert resolution.propose() == []


def test_family_members_with_one_surname_are_not_proposed(facility):
    prisoner = Party.objects.create(prisoner=PrisonerFactory(facility=facility))
    mother = person("Amina Diallo", "+33612345678")
    brother = person("Moussa Diallo", "+33799999999")
    call(prisoner, mother, facility, 1)
    call(prisoner, brother, facility, 2)

    assert resolution.propose() == []


def test_unrelated_people_are_not_proposed(db):
    person("Amina Diallo", "+33612345678", born=date(1980, 1, 1))
    person("Ibrahim Maïga", "+22370000000", born=date(1975, 5, 5))

    assert resolution.propose() == []
    assert not MergeProposal.objects.exists()


def test_same_date_of_birth_and_related_prisoner_add_up(facility):
    prisoner = PrisonerFactory(facility=facility)
    person("Mohamed Traoré", born=date(1980, 1, 1), related=prisoner)
    person("Muhammad Traore", born=date(1980, 1, 1), related=prisoner)

    resolution.propose()

    proposal = MergeProposal.objects.get()
    assert set(codes(proposal)) == {"similar_names", "same_date_of_birth",
                                    "same_related_prisoner"}
    assert proposal.score > 0.75


def test_different_dates_of_birth_lower_the_score(db):
    person("Amina Diallo", "+22376000001", born=date(1980, 1, 1))
    person("Amina Diallo", "76000001", born=date(1990, 6, 6))

    assert resolution.propose() == []


def test_a_pair_is_never_proposed_twice(analyst):
    person("Amina Diallo", "+22376000001")
    person("Fatou Keita", "76000001")
    resolution.reject(acting_user=analyst, proposal=resolution.propose()[0],
                      reason="Two sisters sharing a phone")

    again = io.StringIO()
    call_command("propose_merges", stdout=again)

    assert "0 merge proposals made" in again.getvalue()
    assert MergeProposal.objects.count() == 1


def test_propose_merges_command_counts_and_limits(db):
    for n in range(3):
        person(f"Person {n}", f"+2237600000{n}")
        person(f"Other {n}", f"7600000{n}")
    out = io.StringIO()

    call_command("propose_merges", "--limit", "2", stdout=out)

    assert "2 merge proposals made" in out.getvalue()
    assert MergeProposal.objects.count() == 2


def proposal_between(kept, absorbed, score=0.9):
    return MergeProposal.objects.create(kept=kept, absorbed=absorbed, score=score)


def test_accept_merges_the_newer_into_the_older_and_is_audited(analyst):
    kept, absorbed = person("Amina Diallo"), person("Amina D.")
    proposal = proposal_between(kept, absorbed)

    resolution.accept(acting_user=analyst, proposal=proposal, reason="Same voice")

    absorbed.refresh_from_db()
    proposal.refresh_from_db()
    assert absorbed.merged_into == kept
    assert (proposal.status, proposal.decided_by) == ("accepted", analyst)
    assert proposal.decided_at is not None
    entry = AuditEntry.objects.get(action="intelligence.merge_accept")
    assert entry.actor == analyst and entry.reason == "Same voice"
    assert entry.changes["merged_into"] == [None, kept.pk]
    assert resolution.root_of(absorbed.pk) == kept.pk
    assert resolution.merged_roots() == {absorbed.pk: kept.pk}


def test_accept_follows_a_chain_to_its_root(analyst):
    root, middle, newest = person("A Root"), person("A Middle"), person("A Newest")
    resolution.accept(acting_user=analyst, proposal=proposal_between(root, middle))

    resolution.accept(acting_user=analyst, proposal=proposal_between(middle, newest))

    newest.refresh_from_db()
    assert newest.merged_into == root
    assert resolution.merged_roots() == {middle.pk: root.pk, newest.pk: root.pk}


def test_merged_roots_resolves_chains_made_directly(db):
    root = person("Root")
    middle = OutsidePerson.objects.create(name="Middle", merged_into=root)
    leaf = OutsidePerson.objects.create(name="Leaf", merged_into=middle)

    assert resolution.merged_roots() == {middle.pk: root.pk, leaf.pk: root.pk}
    assert resolution.root_of(leaf.pk) == root.pk


def test_a_merge_that_would_make_a_cycle_is_refused(analyst):
    a, b = person("Person A"), person("Person B")
    resolution.accept(acting_user=analyst, proposal=proposal_between(a, b))
    backwards = proposal_between(b, a)

    with pytest.raises(InvalidInput, match="cycle"):
        resolution.accept(acting_user=analyst, proposal=backwards)

    a.refresh_from_db()
    backwards.refresh_from_db()
    assert a.merged_into is None
    assert backwards.status == "proposed"


def test_a_person_is_never_merged_into_themselves(analyst):
    a = person("Person A")
    with pytest.raises(InvalidInput, match="themselves"):
        resolution.accept(acting_user=analyst, proposal=proposal_between(a, a))
    a.refresh_from_db()
    assert a.merged_into is None


def test_a_decided_proposal_cannot_be_decided_again(analyst):
    proposal = proposal_between(person("Person A"), person("Person B"))
    resolution.reject(acting_user=analyst, proposal=proposal, reason="Different people")

    with pytest.raises(InvalidTransition) as refused:
        resolution.accept(acting_user=analyst, proposal=proposal)
    with pytest.raises(InvalidTransition):
        resolution.undo(acting_user=analyst, proposal=proposal, reason="Oops")

    assert refused.value.status == 409
    proposal.refresh_from_db()
    assert proposal.status == "rejected"
    assert not OutsidePerson.objects.filter(merged_into__isnull=False).exists()


def test_reject_needs_a_reason(analyst):
    proposal = proposal_between(person("Person A"), person("Person B"))

    with pytest.raises(InvalidInput):
        resolution.reject(acting_user=analyst, proposal=proposal, reason="  ")

    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_undo_separates_and_leaves_later_merges_alone(analyst):
    kept, absorbed, later = person("Kept"), person("Absorbed"), person("Later")
    proposal = proposal_between(kept, absorbed)
    resolution.accept(acting_user=analyst, proposal=proposal)
    OutsidePerson.objects.filter(pk=later.pk).update(merged_into=absorbed)

    resolution.undo(acting_user=analyst, proposal=proposal, reason="Two people after all")

    absorbed.refresh_from_db()
    later.refresh_from_db()
    proposal.refresh_from_db()
    assert absorbed.merged_into is None
    assert later.merged_into == absorbed
    assert proposal.status == "undone"
    entry = AuditEntry.objects.get(action="intelligence.merge_undo")
    assert entry.changes["merged_into"] == [kept.pk, None]
    with pytest.raises(InvalidTransition):
        resolution.undo(acting_user=analyst, proposal=proposal, reason="again")


def test_only_an_analyst_decides_and_nothing_changes_otherwise(facility):
    director = user_with_role(Role.DIRECTOR, facility)
    kept, absorbed = person("Kept"), person("Absorbed")
    proposal = proposal_between(kept, absorbed)

    for decide in (resolution.accept, resolution.reject):
        with pytest.raises(AccessDenied):
            decide(acting_user=director, proposal=proposal, reason="because")
    with pytest.raises(AccessDenied):
        resolution.propose(acting_user=director)

    proposal.refresh_from_db()
    absorbed.refresh_from_db()
    assert proposal.status == "proposed"
    assert absorbed.merged_into is None
    assert not AuditEntry.objects.filter(action__startswith="intelligence.merge").exists()
