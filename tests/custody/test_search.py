"""Finding prisoners by name across scripts and transliterations, within the user's scope."""

import string
from datetime import date

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from custos.access.roles import Role
from custos.custody import selectors, services
from custos.custody.names import MAX_KEY, key_range, name_keys, query_keys, skeleton

from ..factories import FacilityFactory, PrisonerFactory, user_with_role

# --- name keys -------------------------------------------------------------------------------

MUHAMMAD = ["Mohamed", "Muhammad", "Mohammed", "Mohammad", "Muhamed", "Мухаммед", "Мухаммад",
            "محمد", "MOHAMED"]


@pytest.mark.parametrize("spelling", MUHAMMAD)
def test_every_spelling_of_muhammad_shares_one_key(spelling):
    assert name_keys(spelling) == name_keys("Mohamed")
    assert query_keys(spelling) == query_keys("Mohamed")


def test_different_names_have_different_keys():
    assert name_keys("Mohamed").isdisjoint(name_keys("Ahmed"))
    assert name_keys("Ibrahim").isdisjoint(name_keys("Mohamed"))


@pytest.mark.parametrize("written", ["al-Hassan", "Al Hassan", "el-Hassan", "Hassan",
                                     "الحسن", "حسن"])
def test_arabic_article_is_ignored(written):
    # the Arabic article, attached or separate, in either script, does not change the name
    assert skeleton("Hassan") in name_keys(written)
    assert query_keys(written) == query_keys("Hassan")


def test_arabic_article_alone_is_still_a_name():
    # a token that is only the article is not stripped to nothing
    assert name_keys("ال")
    assert name_keys("Al") == {skeleton("al")}


@pytest.mark.parametrize("connective", ["ibn", "bin", "ben", "ould", "ابن", "بن"])
def test_connectives_are_ignored(connective):
    assert query_keys(f"Ahmed {connective} Said") == query_keys("Ahmed Said")


@pytest.mark.parametrize("stored", ["Abdelaziz", "Abd al-Aziz", "Abd el Aziz", "Abdul Aziz",
                                    "عبد العزيز"])
def test_compound_names_are_found_written_as_one_word(stored):
    # "Abd al-Aziz" is stored; "Abdelaziz" is typed
    typed = query_keys("Abdelaziz")
    keys = name_keys(stored)
    assert all(any(k.startswith(t) for k in keys) for t in typed), (stored, keys, typed)


def test_query_keys_keep_one_key_per_token_in_order():
    assert query_keys("Mohamed Traoré") == [skeleton("Mohamed"), skeleton("Traore")]
    assert query_keys("  ") == []
    assert query_keys("--- ...") == []


def test_stored_name_keys_include_joined_neighbours():
    keys = name_keys("Mohamed Traoré")
    assert {skeleton("Mohamed"), skeleton("Traore"), skeleton("MohamedTraore")} == keys


def test_key_range_bounds_a_prefix():
    low, high = key_range("mh")
    assert low <= "mh" < high
    assert low <= "mhmd" < high
    assert not (low <= "mg" < high)
    assert not (low <= "mi" < high)


LOWERCASE = set(string.ascii_lowercase)


@given(st.text())
def test_name_keys_are_short_ascii_lowercase_for_any_text(text):
    keys = name_keys(text)
    assert isinstance(keys, set)
    for key in keys:
        assert isinstance(key, str)
        assert key
        assert set(key) <= LOWERCASE
        assert len(key) <= MAX_KEY


@given(st.text())
def test_query_keys_are_ascii_lowercase_and_each_is_a_stored_key(text):
    stored = name_keys(text)
    for key in query_keys(text):
        assert key and set(key) <= LOWERCASE and len(key) <= MAX_KEY
        # whatever a name is stored as, typing it again finds it
        assert any(k.startswith(key) for k in stored)


@given(st.lists(st.sampled_from(MUHAMMAD), min_size=1, max_size=3))
def test_any_muhammad_finds_any_other(spellings):
    typed = query_keys(" ".join(spellings))
    stored = name_keys("Mohamed")
    assert all(any(k.startswith(t) for k in stored) for t in typed)


# --- searching the custody record ------------------------------------------------------------


@pytest.fixture
def traore(facility):
    return PrisonerFactory(facility=facility, prison_number="BKO-0042",
                           names=["Mohamed Traoré"])


@pytest.fixture
def others(facility):
    return [
        PrisonerFactory(facility=facility, prison_number="BKO-0043", names=["Mohamed Diallo"]),
        PrisonerFactory(facility=facility, prison_number="BKO-0100", names=["Aminata Traoré"]),
        PrisonerFactory(facility=facility, prison_number="NIA-0042", names=["Ibrahim Maïga"]),
    ]


def found(user, query, **kwargs) -> set[str]:
    return {p.prison_number for p in selectors.prisoner_search(user=user, query=query, **kwargs)}


@pytest.mark.parametrize("query", ["Muhammad", "محمد", "Мухаммед", "Mohammed", "moh", "MOH",
                                   "Traore", "تراوري", "Траоре"])
def test_prisoner_is_found_across_scripts(director, traore, others, query):
    assert "BKO-0042" in found(director, query)


def test_prefix_of_a_name_finds_as_you_type(director, traore, others):
    assert found(director, "moh") == {"BKO-0042", "BKO-0043"}
    assert found(director, "Tra") == {"BKO-0042", "BKO-0100"}


def test_every_token_must_match(director, traore, others):
    # given Mohamed Traoré, Mohamed Diallo and Aminata Traoré
    # when searching for two names
    # then only the prisoner with both is found, in any script or order
    assert found(director, "Muhammad Traore") == {"BKO-0042"}
    assert found(director, "Traoré محمد") == {"BKO-0042"}
    assert found(director, "Mohamed Diallo") == {"BKO-0043"}
    assert found(director, "Mohamed Keita") == set()


def test_prison_number_prefix(director, traore, others):
    assert found(director, "BKO-00") == {"BKO-0042", "BKO-0043"}
    assert found(director, "bko-0042") == {"BKO-0042"}
    assert found(director, "NIA-0") == {"NIA-0042"}


def test_empty_query_finds_nothing(director, traore):
    assert found(director, "") == set()
    assert found(director, "   ") == set()


def test_unrelated_name_finds_nothing(director, traore, others):
    assert found(director, "Keita") == set()


def test_alias_is_searchable(director, facility):
    PrisonerFactory(facility=facility, prison_number="BKO-0077",
                    names=["Oumar Ould Hamaha", "Abu Qaqa"])
    assert found(director, "Abou Kaka") == {"BKO-0077"}
    assert found(director, "Hamaha") == {"BKO-0077"}


def test_admitted_prisoner_is_found_by_any_recorded_script(director, facility):
    services.prisoner_admit(
        acting_user=director, facility=facility, prison_number="BKO-0500",
        names=[{"full_name": "Abdelaziz Ag Alhassane", "script": "latn"},
               {"full_name": "عبد العزيز", "script": "arab"}],
        date_of_birth=date(1985, 4, 2), sex="M",
        legal_status="remand",
        admission={"commitment_order": "X/1", "commitment_authority": "Court"})
    assert found(director, "Abd al-Aziz") == {"BKO-0500"}
    assert found(director, "Alhassane") == {"BKO-0500"}


def test_released_prisoners_are_excluded_unless_asked_for(director, traore):
    # given a released prisoner
    services.prisoner_release(acting_user=director, prisoner=traore, released_at=timezone.now(),
                              reason="end of sentence", expected_version=None)
    # then a search does not find them, unless released prisoners are included
    assert found(director, "Muhammad") == set()
    assert found(director, "BKO-0042") == set()
    assert found(director, "Muhammad", include_released=True) == {"BKO-0042"}


def test_search_narrowed_to_a_facility(traore, others):
    national = user_with_role(Role.DIRECTOR, None)
    other_facility = FacilityFactory()
    PrisonerFactory(facility=other_facility, prison_number="GAO-0001", names=["Mohamed Touré"])
    assert found(national, "Mohamed") == {"BKO-0042", "BKO-0043", "GAO-0001"}
    assert found(national, "Mohamed", facility=other_facility) == {"GAO-0001"}


def test_user_of_another_facility_finds_nothing(traore, others):
    # given an analyst whose role is in another facility
    outsider = user_with_role(Role.ANALYST, FacilityFactory())
    # when they search by name or by number
    # then nothing is found: the scope narrows the search
    assert found(outsider, "Mohamed") == set()
    assert found(outsider, "BKO") == set()
    assert found(outsider, "Muhammad", include_released=True) == set()


def test_scope_narrows_search_to_own_facility(facility, traore):
    # given the same name held in two facilities
    elsewhere = FacilityFactory()
    PrisonerFactory(facility=elsewhere, prison_number="GAO-0001", names=["Mohamed Touré"])
    local = user_with_role(Role.SECURITY, facility)
    remote = user_with_role(Role.SECURITY, elsewhere)
    # then each officer finds only their own facility's prisoner
    assert found(local, "Mohamed") == {"BKO-0042"}
    assert found(remote, "Mohamed") == {"GAO-0001"}


@pytest.mark.parametrize("role", [Role.PARTNER, Role.MONITOR, Role.AUDITOR])
def test_roles_without_view_find_nothing(persona, traore, role):
    assert found(persona(role), "Mohamed") == set()
