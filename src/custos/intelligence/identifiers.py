"""Phone numbers, documents, addresses and names, reduced to the keys Custos matches on.

`Identifier.key` is the normalised form of `Identifier.value`: two spellings of one phone
number or one passport get one key, so an import finds the person already known by it.
The rules are deliberately simple and predictable, so an analyst can check them by hand:

- **Phone**: spaces, dashes, dots, slashes and parentheses are dropped; a leading ``00`` is
  the international prefix and becomes ``+``; a number keeps its ``+`` when it has one.
  A local number (``06 12 34 56 78``) stays as its digits: no country is guessed, because a
  wrong guess would join two people. The same number written both ways is found by
  identity resolution instead, through `phone_tail` (the last eight digits).
- **Document**: letters and digits only, upper case; must hold a letter and at least four
  digits, and no word of four letters or more (``AB 12-34 56`` → ``AB123456``).
- **E-mail**: trimmed and lower-cased.
- **Address**: transliterated to ASCII, lower-cased, punctuation dropped, common words
  abbreviated (``street`` → ``st``).
- **Other**: trimmed, inner white space collapsed, case folded.

`classify` decides which of these a bare reference from a communications export is.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

from custos.custody.names import skeleton

from .models import IdentifierKind

_PHONE_SEPARATORS = re.compile(r"[\s\-./()\u2010-\u2015]+")
_PHONE = re.compile(r"\+?\d{6,15}")
_DOCUMENT_SEPARATORS = re.compile(r"[\s\-./]+")
_DOCUMENT = re.compile(r"(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*\d)[A-Z0-9]{5,20}")
_WORD = re.compile(r"[^\W\d_]{4,}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_ADDRESS_WORDS = {
    "street": "st", "road": "rd", "avenue": "av", "ave": "av", "boulevard": "bd",
    "blvd": "bd", "rue": "r", "place": "pl", "apartment": "apt", "building": "bldg",
}
TAIL_DIGITS = 8


def phone_key(value: str) -> str | None:
    """The key of a phone number, or None when `value` is not one."""
    text = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value or ""))
    if text.startswith("00"):
        text = "+" + text[2:]
    return text if _PHONE.fullmatch(text) else None


def phone_tail(key: str) -> str:
    """The last eight digits of a phone key: one number written with and without its
    country code (``+33612345678``, ``0612345678``; ``+22376000001``, ``76000001``) shares
    them. Eight, because some national numbers have no more."""
    digits = key.lstrip("+")
    return digits[-TAIL_DIGITS:] if len(digits) >= TAIL_DIGITS else digits


def document_key(value: str) -> str | None:
    """The key of an identity document number, or None when `value` is not one."""
    value = unicodedata.normalize("NFKC", value or "")
    if _WORD.search(value):  # "12 Rue de la Paix" is an address, not a document
        return None
    text = _DOCUMENT_SEPARATORS.sub("", value).upper()
    return text if _DOCUMENT.fullmatch(text) and sum(c.isdigit() for c in text) >= 4 else None


def email_key(value: str) -> str | None:
    text = (value or "").strip().lower()
    return text if _EMAIL.fullmatch(text) else None


def address_key(value: str) -> str:
    words = _NOT_WORD.sub(" ", anyascii(value or "").lower()).split()
    return " ".join(_ADDRESS_WORDS.get(word, word) for word in words)


def other_key(value: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value or "")).strip().casefold()


def key_of(kind: str, value: str) -> str:
    """`Identifier.key` for a value of a known kind (a value that does not fit the kind's
    pattern falls back to the plain normalisation, so it is still found again)."""
    if kind == IdentifierKind.PHONE:
        return phone_key(value) or other_key(value)
    if kind == IdentifierKind.DOCUMENT:
        return document_key(value) or other_key(value)
    if kind == IdentifierKind.EMAIL:
        return email_key(value) or other_key(value)
    if kind == IdentifierKind.ADDRESS:
        return address_key(value)
    return other_key(value)


def classify(ref: str) -> tuple[str, str] | None:
    """(kind, key) of a bare reference such as an export's dialled number or visitor's
    document; None when nothing is left of it."""
    if key := email_key(ref):
        return IdentifierKind.EMAIL, key
    if key := phone_key(ref):
        return IdentifierKind.PHONE, key
    if key := document_key(ref):
        return IdentifierKind.DOCUMENT, key
    key = other_key(ref)
    return (IdentifierKind.OTHER, key) if key else None


# Names ------------------------------------------------------------------------------------

def name_tokens(name: str) -> list[str]:
    """A name's words, transliterated to ASCII and case-folded, in their order."""
    return _NOT_WORD.sub(" ", anyascii(unicodedata.normalize("NFKC", name or "")).casefold()
                         ).split()


def name_key(name: str) -> str:
    """Order-free key of a whole name: "DIALLO Amina" and "Amina Diallo" share it, and so
    do spellings with one consonant skeleton ("Mohamed"/"Muhammad", see custody.names)."""
    return " ".join(sorted(k for k in (skeleton(t) for t in name_tokens(name)) if k))


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two strings, in [0, 1]."""
    if a == b:
        return 1.0 if a else 0.0
    if not a or not b:
        return 0.0
    reach = max(len(a), len(b)) // 2 - 1
    taken = [False] * len(b)
    matched_a = []
    for i, char in enumerate(a):
        for j in range(max(0, i - reach), min(len(b), i + reach + 1)):
            if not taken[j] and b[j] == char:
                taken[j] = True
                matched_a.append(char)
                break
    if not matched_a:
        return 0.0
    matched_b = [b[j] for j, used in enumerate(taken) if used]
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) / 2
    m = len(matched_a)
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def name_similarity(a: str, b: str) -> float:
    """How alike two names are, in [0, 1], whatever their word order and script: the
    Jaro-Winkler similarity of their sorted, transliterated words."""
    return words_similarity(name_words(a), name_words(b))


def name_words(name: str) -> str:
    """A name's transliterated words, sorted: what `name_similarity` compares."""
    return " ".join(sorted(name_tokens(name)))


def words_similarity(a: str, b: str) -> float:
    """`name_similarity` of two names' `name_words` (made once per name when each is
    compared with many)."""
    return jaro_winkler(a, b) if a and b else 0.0
