"""`custos network_metrics [--from DATE] [--to DATE] [--facility CODE]... --output FILE`:
the figures of every party of the communications network, as JSON."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from custos.custody.models import Facility
from custos.intelligence import network

FIELDS = ("ref", "name", "degree", "betweenness", "community", "is_prisoner", "centrality",
          "party")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("%(value)s is not a date (YYYY-MM-DD).") % {"value": text}) \
            from None


class Command(BaseCommand):
    help = ("Write, for every prisoner and outside person in the communications network of "
            "a window and facilities, the degree, betweenness, community and centrality as "
            "a JSON list, by betweenness (highest first).")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", help="last day (YYYY-MM-DD), included")
        parser.add_argument("--facility", action="append", default=[],
                            help="facility code (repeat for several; default: all)")
        parser.add_argument("--output", help="file for the JSON list (required)")
        parser.add_argument("--seed", type=int, default=0, help="seed for the communities")

    def handle(self, *args, date_from, date_to, facility, output, seed, **options):
        if not output:
            raise CommandError(_("Say where to write the figures with --output FILE."))
        first = _day(date_from) if date_from else None
        last = _day(date_to) if date_to else None
        if first and last and first > last:
            raise CommandError(_("--from is after --to."))
        facility_ids = self._facilities(facility)
        started = time.monotonic()
        found = network.metrics(network.ties(facility_ids, first, last), seed=seed)
        rows = [{key: party[key] for key in FIELDS} for party in found["parties"]]
        rows.sort(key=lambda row: (-row["betweenness"], row["ref"]))
        Path(output).write_text(json.dumps(rows, indent=1, ensure_ascii=False),
                                encoding="utf-8")
        method = found["betweenness_method"]
        how = (_("exact betweenness") if method["method"] == "exact" else
               _("estimated betweenness (±%(bound).3f, %(confidence).0f%% confidence)")
               % {"bound": method["error_bound"], "confidence": 100 * method["confidence"]})
        self.stdout.write(
            _("%(nodes)d people, %(ties)d ties, %(communities)d communities, %(method)s, "
              "%(seconds).1f s; written to %(path)s")
            % {"nodes": found["nodes"], "ties": found["ties"],
               "communities": found["communities"], "method": how,
               "seconds": time.monotonic() - started, "path": output})

    def _facilities(self, codes: list[str]) -> list[int]:
        if not codes:
            return list(Facility.objects.values_list("id", flat=True))
        known = dict(Facility.objects.filter(code__in=codes).values_list("code", "id"))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise CommandError(_("No facility with code %(codes)s.")
                               % {"codes": ", ".join(unknown)})
        return sorted(set(known.values()))
