"""Domain errors. Adapters turn them into 4xx answers; none of them leaves a change behind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """A refusal the user can understand: a code, a message and, where known, the field."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, details: Mapping | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = dict(details or {})

    def as_dict(self) -> dict:
        body: dict = {"code": self.code, "detail": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.details)
        return body


class InvalidInput(DomainError):
    """Malformed or contradictory input."""


class ConcurrentEdit(DomainError):
    """Somebody saved the record after the version the user started from."""

    status = 409
    code = "conflict"


class RuleViolation(DomainError):
    """A rule refuses the change (capacity, Mandela Rule 11, keep-apart…)."""

    status = 422
    code = "refused"

    def __init__(self, message: str, *, rule: str, people: Sequence[str] = (), **kwargs):
        super().__init__(message, **kwargs)
        self.rule = rule
        self.people = list(people)
        self.details.update({"rule": rule, "people": self.people})


class InvalidTransition(DomainError):
    status = 409
    code = "invalid_transition"


def check_choice(value, choices, field: str) -> None:
    """Refuse a value that is not one of a TextChoices' values, naming the field."""
    from django.utils.translation import gettext as _

    if value not in choices.values:
        raise InvalidInput(_("“%(value)s” is not a valid choice.") % {"value": value}, field=field)
