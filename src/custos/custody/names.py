"""Names that find each other across scripts and transliterations.

"Mohamed", "Muhammad", "Mohammed", "Мухаммед" and "محمد" are one name written five ways.
Each name token is transliterated to ASCII (anyascii: Arabic script is written without short
vowels), then reduced to a consonant skeleton: digraphs folded (kh→h, sh→s, ou→u…), vowels and
semi-vowels dropped, doubled letters collapsed, a final "h" (ta marbuta) dropped. Adjacent
tokens are also joined ("Abd al-Aziz" / "Abdelaziz"), and Arabic articles and connectives
("al-", "ibn", "ould") are ignored. Search matches keys by prefix, so typing finds as you go.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

_DIGRAPHS = (
    ("kh", "h"), ("sh", "s"), ("ch", "s"), ("zh", "j"), ("dj", "j"), ("th", "t"), ("dh", "d"),
    ("gh", "g"), ("ph", "f"), ("ts", "s"), ("q", "k"), ("c", "k"), ("x", "ks"), ("t", "d"),
    ("p", "b"),
)
_VOWELS = re.compile(r"[aeiouyw]")
_NOT_LETTER = re.compile(r"[^a-z]")
_DOUBLES = re.compile(r"(.)\1+")
_SPLIT = re.compile(r"[\s\-‐‑–—_.,;/]+")
_ARABIC_ARTICLE = ("ال", "أل")
_STOPWORDS = {
    "al", "el", "ul", "ibn", "bin", "ben", "bint", "ould", "ait", "ابن", "بن", "بنت", "ولد",
}
MAX_KEY = 40


def tokens(name: str) -> list[str]:
    name = unicodedata.normalize("NFKC", name).strip().lower()
    return [t for t in _SPLIT.split(name) if t]


def skeleton(token: str) -> str:
    """The consonant skeleton of one token, in any script."""
    for article in _ARABIC_ARTICLE:
        if token.startswith(article) and len(token) > len(article) + 1:
            token = token[len(article):]
            break
    text = _NOT_LETTER.sub("", anyascii(token).lower())
    for old, new in _DIGRAPHS:
        text = text.replace(old, new)
    text = _DOUBLES.sub(r"\1", _VOWELS.sub("", text))
    if len(text) > 2 and text.endswith("h"):
        text = text[:-1]
    return text[:MAX_KEY]


def _meaningful(name: str) -> list[str]:
    parts = tokens(name)
    kept = [t for t in parts if t not in _STOPWORDS]
    return kept or parts


def name_keys(name: str) -> set[str]:
    """Every key under which a stored name is found: each token, and each adjacent pair."""
    parts = _meaningful(name)
    keys = {skeleton(t) for t in parts}
    keys |= {skeleton(a + b) for a, b in zip(parts, parts[1:], strict=False)}
    # "Abd al-Aziz" is also written "Abdelaziz": join across an article or connective too.
    raw = tokens(name)
    keys |= {skeleton(a + s + b) for a, s, b in zip(raw, raw[1:], raw[2:], strict=False)
             if s in _STOPWORDS and a not in _STOPWORDS and b not in _STOPWORDS}
    return {k for k in keys if k}


PRIMARY, OTHER = 0, 1


def prisoner_keys(names: list[str]) -> dict[str, int]:
    """Every key of a prisoner's names with its rank: 0 from the primary (first) name."""
    ranked: dict[str, int] = {}
    for position, name in enumerate(names):
        for key in name_keys(name):
            ranked.setdefault(key, PRIMARY if position == 0 else OTHER)
    return ranked


def query_keys(query: str) -> list[str]:
    """The keys a search must find, one per token of the query, all of which must match."""
    return [k for k in (skeleton(t) for t in _meaningful(query)) if k]


def key_range(key: str) -> tuple[str, str]:
    """Bounds [low, high) for a prefix match that a B-tree index answers on any database.

    Keys are a–z only, so the bound is the prefix with its last letter moved one on ("mhmd"
    → "mhme"; "mz" → "n"), which sorts after every key that starts with it in any collation.
    """
    stem = key.rstrip("z")
    if not stem:
        return key, "{"
    return key, stem[:-1] + chr(ord(stem[-1]) + 1)
