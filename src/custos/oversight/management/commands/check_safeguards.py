"""`custos check_safeguards`: raise the day's oversight flags (nightly)."""

import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from custos.oversight import safeguards


class Command(BaseCommand):
    help = ("Run the oversight safeguards for a day (today by default) and raise the flags "
            "that are new: measures, discipline, custody cases, complaints and retaliation, "
            "monitoring recommendations (nightly; running a day twice raises nothing new).")

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="on", metavar="YYYY-MM-DD",
                            help="the day to check (default: today)")

    def handle(self, *args, on=None, **options):
        day = self._day(on)
        try:
            outcome = safeguards.check(day)
        except safeguards.AlreadyRunning as error:
            raise CommandError(str(error)) from error
        for area, count in outcome.counts.items():
            self.stdout.write(f"{area}: {_flags(count)} ({outcome.seconds[area]:.1f} s)")
        for area, error in outcome.failures.items():
            self.stderr.write(f"{area}: FAILED ({error})")
        self.stdout.write(f"total: {_flags(outcome.total)} on {outcome.on.isoformat()}")
        if outcome.failures:
            raise CommandError(f"The checks of {', '.join(outcome.failures)} failed; "
                               "the other areas' flags were raised.")

    @staticmethod
    def _day(text: str | None) -> date | None:
        if text is None:
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
                raise ValueError(text)
            return date.fromisoformat(text.strip())
        except ValueError as error:
            raise CommandError(f"--date must be a day written YYYY-MM-DD, such as 2026-03-31;"
                               f" {text!r} is not.") from error


def _flags(count: int) -> str:
    return f"{count} new flag" if count == 1 else f"{count} new flags"
