"""`custos plan_housing --facility CODE` (or `--national`): propose a plan now, print it,
change nothing."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from custos.custody.models import Facility
from custos.housing import inputs, services, solver
from custos.housing.models import HousingPlan, PlanKind
from custos.housing.problem import REGIMES


def _conflict_text(conflict: dict) -> str:
    try:
        from custos.housing.explain import conflict_text

        return conflict_text(conflict)
    except Exception:  # noqa: BLE001 - the code and its figures are printed instead
        return f"{conflict.get('code')} {conflict.get('params')}"


class Command(BaseCommand):
    help = ("Propose a housing plan for a facility (or, with --national, a facility and unit "
            "for everyone in every facility) and print its summary; with --output, write the "
            "plan as JSON. Runs here and now; nothing is saved or moved.")

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--facility", help="facility code")
        where.add_argument("--national", action="store_true",
                           help="a national plan over every facility (units, not cells)")
        parser.add_argument("--kind", default=PlanKind.FACILITY,
                            choices=[PlanKind.FACILITY, PlanKind.ADMISSIONS],
                            help="for a facility plan")
        parser.add_argument("--regime", default="none", choices=REGIMES)
        parser.add_argument("--time-limit", type=float, default=60.0, help="seconds")
        parser.add_argument("--overcrowding", type=int, default=0,
                            help="percent above beds a cell may hold (0 to 300)")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--output", help="file for the plan as JSON")

    def handle(self, *args, facility, national, kind, regime, time_limit, overcrowding,
               workers, output, **options):
        found = None
        if national:
            kind = PlanKind.NATIONAL
        else:
            found = Facility.objects.filter(code=facility).first()
            if found is None:
                raise CommandError(f"No facility with code {facility!r}.")
        if not 0 <= overcrowding <= services.OVERCROWDING_MAX:
            raise CommandError("--overcrowding is a percentage from 0 to 300.")
        if time_limit <= 0:
            raise CommandError("--time-limit must be positive.")
        plan = HousingPlan(kind=kind, facility=found, regime=regime,
                           overcrowding_percent=overcrowding, weights={})
        problem, context = inputs.problem_for(plan=plan)
        outcome = solver.solve(problem, time_limit=time_limit, workers=workers)
        result = services.result_of(problem, outcome, context)
        self._summary(found, problem, result)
        if output:
            Path(output).write_text(json.dumps(result, indent=1, ensure_ascii=False,
                                               default=str), encoding="utf-8")
            self.stdout.write(_("Plan written to %(path)s") % {"path": output})

    def _summary(self, facility, problem, result) -> None:
        found, first, now = result["metrics"], result["baseline"], result["current"]
        bound, objective = found["lower_bound"], found["objective"]
        gap = "0%" if not objective else "—" if bound is None else \
            f"{100 * (objective - bound) / objective:.1f}%"
        if facility is None:
            where = (_("All %(facilities)d facilities: %(people)d prisoners, %(units)d units")
                     % {"facilities": len(problem.facilities),
                        "people": len(problem.prisoners), "units": len(problem.units)})
        else:
            where = (_("Facility %(code)s: %(people)d prisoners, %(cells)d cells")
                     % {"code": facility.code, "people": len(problem.prisoners),
                        "cells": len(problem.cells)})
        lines = [
            where,
            _("Status: %(status)s (%(method)s, %(seconds)s s)")
            % {"status": found["status"], "method": found["method"],
               "seconds": found["seconds"]},
            _("Exposure: %(plan)s (first fit %(first)s, current %(now)s)")
            % {"plan": found["exposure"], "first": first.get("exposure"),
               "now": now.get("exposure")},
            _("Moves: %(plan)s (first fit %(first)s)")
            % {"plan": found["moves"], "first": first.get("moves")},
            _("Objective: %(plan)s; lower bound %(bound)s; gap %(gap)s")
            % {"plan": objective, "bound": bound, "gap": gap},
        ]
        if facility is None:
            lines.append(_("Mean family distance: %(plan)s km (first fit %(first)s, current "
                           "%(now)s)") % {"plan": found.get("mean_family_distance_km"),
                                          "first": first.get("mean_family_distance_km"),
                                          "now": now.get("mean_family_distance_km")})
        for conflict in result["conflicts"]:
            lines.append(_("Conflict: %(text)s") % {"text": _conflict_text(conflict)})
        self.stdout.write("\n".join(lines))
