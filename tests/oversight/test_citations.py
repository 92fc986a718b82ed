"""Rule citations are data in English; pages and messages show them in the reader's language."""

from django.utils import translation

from custos.oversight.citations import cite


def test_a_citation_is_shown_in_the_readers_language():
    with translation.override("fr"):
        french = cite("Mandela Rules 43(1)(b) and 44")
    with translation.override("ar"):
        arabic = cite("Mandela Rule 45(2); Havana Rule 67")

    assert french == "Règles Nelson Mandela 43(1)(b) et 44"
    assert arabic == "قاعدة نيلسون مانديلا 45(2); قاعدة هافانا 67"


def test_english_and_unknown_citations_pass_unchanged():
    assert cite("Mandela Rule 85(2); OPCAT art. 22") == "Mandela Rule 85(2); OPCAT art. 22"
    assert cite("Prison Rules s. 12") == "Prison Rules s. 12"
    assert cite("") == ""
