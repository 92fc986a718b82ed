"""What every selector shares."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404


def get_visible(queryset: QuerySet, pk):
    """One row of an already narrowed queryset; a row outside it, a missing row and a
    malformed id all answer 404 alike, so nobody learns what exists beyond his reach."""
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
