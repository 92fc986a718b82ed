"""The French and Arabic catalogues are complete, compiled, and used by the pages."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ["fr", "ar"]
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


@pytest.fixture(autouse=True)
def restore_language():
    """The locale middleware leaves the request's language active; don't leak it to other tests."""
    before = translation.get_language()
    yield
    translation.activate(before)


def read_po(path: Path) -> list[dict]:
    """A small .po reader: one dict per entry, with its flags, msgid and msgstr(s)."""
    entries, entry, field = [], None, None

    def close():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            close()
            entry, field = None, None
            continue
        if entry is not None and entry["msgstr"] and not line.startswith(('"', "msgstr")):
            close()  # a new entry that follows the previous one without a blank line
            entry = None
        if entry is None:
            entry = {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += value
            else:
                entry[field[0]] += value
        else:
            keyword, _, literal = line.partition(" ")
            value = ast.literal_eval(literal)
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if keyword == "msgstr" or match:
                field = ("msgstr", int(match.group(1)) if match else 0)
                entry["msgstr"][field[1]] = value
            else:
                field = (keyword, None)
                entry[keyword] = value
    close()
    return entries


def catalogue(language: str) -> list[dict]:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path} is missing"
    return read_po(path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_header_declares_language_and_utf8(language):
    header = next(e for e in catalogue(language) if e["msgid"] == "")
    assert "fuzzy" not in header["flags"]
    assert f"Language: {language}\n" in header["msgstr"][0]
    assert "charset=UTF-8" in header["msgstr"][0]
    assert "Plural-Forms:" in header["msgstr"][0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    messages = [e for e in catalogue(language) if e["msgid"] != "" and "obsolete" not in e]
    assert len(messages) > 100
    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_kept(language):
    wrong = []
    for e in catalogue(language):
        if "python-format" not in e["flags"]:
            continue
        expected = sorted(PLACEHOLDER.findall(e["msgid"]))
        for text in e["msgstr"].values():
            if sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append((e["msgid"], text))
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language):
    mo = LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"
    assert mo.exists(), "run compilemessages"
    with mo.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for e in catalogue(language):
        if e["msgid"] and "msgid_plural" not in e:
            found = (compiled.pgettext(e["msgctxt"], e["msgid"]) if "msgctxt" in e
                     else compiled.gettext(e["msgid"]))
            assert found == e["msgstr"][0], e["msgid"]


def test_strings_translate_in_python():
    with translation.override("ar"):
        assert translation.gettext("Facilities") == "المؤسسات السجنية"
        assert translation.gettext("Prison director") == "مدير السجن"
        assert translation.get_language_bidi()
    with translation.override("fr"):
        assert translation.gettext("Facilities") == "Établissements"
        assert translation.gettext("Prison director") == "Directeur d'établissement pénitentiaire"
        assert translation.gettext("Occupancy %(percent)s %%") % {"percent": 90} == (
            "Taux d'occupation 90 %")
    with translation.override("en"):
        assert translation.gettext("Facilities") == "Facilities"


@pytest.mark.django_db
def test_login_page_in_arabic_is_right_to_left(client):
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/login/"})
    assert response.status_code == 302
    html = client.get("/login/").content.decode()
    assert 'lang="ar"' in html
    assert 'dir="rtl"' in html
    assert "تسجيل الدخول إلى Custos" in html
    assert "كلمة المرور" in html


@pytest.mark.django_db
def test_login_page_in_french(client):
    client.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})
    html = client.get("/login/").content.decode()
    assert 'lang="fr"' in html
    assert 'dir="ltr"' in html
    assert "Se connecter à Custos" in html
