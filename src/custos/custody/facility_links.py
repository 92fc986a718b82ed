"""Links other apps add to the facility page, without custody depending on them.

An app registers, in its AppConfig.ready(), a function giving the link's label and URL for a
request and a facility, or None when the user may not follow it (the same pattern as
`file_sections` for the prisoner's file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    key: str  # registering the same key twice (a repeated ready()) keeps one link
    target: Callable  # (request, facility) -> (label, url) | None


_LINKS: dict[str, Link] = {}


def register(link: Link) -> None:
    _LINKS.setdefault(link.key, link)


def collect(request, facility) -> list[tuple[str, str]]:
    """(label, url) of every registered link the user may follow, in registration order."""
    found = []
    for link in _LINKS.values():
        target = link.target(request, facility)
        if target is not None:
            found.append(target)
    return found
