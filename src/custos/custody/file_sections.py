"""Sections other apps add to the prisoner's file, without custody depending on them.

An app registers a template and a function giving that template's context for a request and
a prisoner (or None when the user may not see the section) in its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    template: str
    context: Callable  # (request, prisoner) -> dict | None


_SECTIONS: list[Section] = []


def register(section: Section) -> None:
    if section not in _SECTIONS:
        _SECTIONS.append(section)


def collect(request, prisoner) -> list[tuple[str, dict]]:
    found = []
    for section in _SECTIONS:
        context = section.context(request, prisoner)
        if context is not None:
            found.append((section.template, context))
    return found
