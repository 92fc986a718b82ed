"""The nightly safeguards: every oversight area's checks for one day, run together.

Each area exposes `nightly(on: date) -> int` (the flags it raised that were new): measures
(reviews overdue, unauthorised emergency measures, unrecorded days, solitary nearing its
limit), discipline, custody cases (notifications overdue), complaints (escalation and the
retaliation check) and monitoring (responses and deadlines overdue). `custos
check_safeguards` calls `run` every night; raising is idempotent, so running a day twice
raises nothing the second time.

Each area runs in its own transaction: a failure in one is reported (and makes the run
fail) without withholding the others' flags, because a broken check on discipline must not
stop overdue complaints from being escalated. One audit entry records the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from custos.audit import trail

from . import cases, complaints, discipline, measures, monitoring

logger = logging.getLogger(__name__)

# (area, checks): run in this order. Complaints after measures and discipline, so the
# retaliation check sees the day's other records settled.
AREAS: tuple[tuple[str, Callable[[date], int]], ...] = (
    ("measures", measures.nightly),
    ("discipline", discipline.nightly),
    ("cases", cases.nightly),
    ("complaints", complaints.nightly),
    ("monitoring", monitoring.nightly),
)
# Only one run at a time (a nightly job and a manual one must not escalate a complaint
# twice): a session advisory lock on PostgreSQL.
_LOCK_KEY = 0x43555354_5346  # "CUST" "SF"


class SafeguardsFailed(Exception):
    """Some areas' checks failed; the others ran and their flags stand."""

    def __init__(self, counts: dict[str, int], failures: dict[str, str]):
        self.counts, self.failures = counts, failures
        super().__init__("; ".join(f"{area}: {error}" for area, error in failures.items()))


class AlreadyRunning(Exception):
    """Another check of the safeguards holds the lock."""


@dataclass
class Outcome:
    on: date
    counts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@contextmanager
def _one_run_at_a_time():
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
        if not cursor.fetchone()[0]:
            raise AlreadyRunning("Another check of the safeguards is running.")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def check(on: date | None = None, *, areas=None) -> Outcome:
    """Run every area's checks for `on` (today by default), each in its own transaction.
    Audited once. Never raises for an area's failure: the outcome lists it (see `run`)."""
    on = on or timezone.localdate()
    outcome = Outcome(on=on)
    with _one_run_at_a_time():
        for area, nightly in areas or AREAS:
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    outcome.counts[area] = int(nightly(on))
            except Exception as error:  # noqa: BLE001 — reported, audited, and the run fails
                logger.exception("safeguards: %s failed", area)
                outcome.failures[area] = f"{type(error).__name__}: {error}"
            outcome.seconds[area] = round(time.perf_counter() - started, 3)
        changes: dict = dict(outcome.counts)
        if outcome.failures:
            changes["failed"] = outcome.failures
        with transaction.atomic():
            trail.record(None, "oversight.safeguards_checked", None, object_type="safeguards",
                         object_repr=str(on), changes=changes)
    return outcome


def run(on: date | None = None, *, areas=None) -> dict[str, int]:
    """New flags per area for the day. Raises `SafeguardsFailed` (after the others ran and
    the run was audited) when an area's checks failed."""
    outcome = check(on, areas=areas)
    if outcome.failures:
        raise SafeguardsFailed(outcome.counts, outcome.failures)
    return outcome.counts
