"""`custos plan_housing --facility CODE`: propose a plan now, print it, change nothing."""

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
    help = ("Propose a housing plan for a facility and print its summary; with --output, "
            "write the plan as JSON. Runs here and now; nothing is saved or moved.")

    def add_arguments(self, parser):
        parser.add_argument("--facility", required=True, help="facility code")
        parser.add_argument("--kind", default=PlanKind.FACILITY,
                            choices=[PlanKind.FACILITY, PlanKind.ADMISSIONS])
        parser.add_argument("--regime", default="none", choices=REGIMES)
        parser.add_argument("--time-limit", type=float, default=60.0, help="seconds")
        parser.add_argument("--overcrowding", type=int, default=0,
                            help="percent above beds a cell may hold (0 to 300)")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--output", help="file for the plan as JSON")

    def handle(self, *args, facility, kind, regime, time_limit, overcrowding, workers,
               output, **options):
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
        gap = f"{100 * (objective - bound) / objective:.1f}%" if objective else "0%"
        lines = [
            _("Facility %(code)s: %(people)d prisoners, %(cells)d cells")
            % {"code": facility.code, "people": len(problem.prisoners),
               "cells": len(problem.cells)},
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
        for conflict in result["conflicts"]:
            lines.append(_("Conflict: %(text)s") % {"text": _conflict_text(conflict)})
        self.stdout.write("\n".join(lines))
