"""`custos plan_housing`: a summary and the plan as JSON, with the API's ids; nothing saved."""

import json

from django.core.management import call_command

from custos.audit.models import AuditEntry
from custos.custody.models import Placement, Prisoner
from custos.housing.models import HousingPlan

from .estate import estate_fixture  # noqa: F401


def test_the_command_prints_a_summary_and_writes_the_plan(estate, tmp_path, capsys):
    output = tmp_path / "plan.json"
    placements, entries = Placement.objects.count(), AuditEntry.objects.count()
    cells = dict(Prisoner.objects.values_list("pk", "current_cell_id"))

    call_command("plan_housing", "--facility", "HSG", "--time-limit", "3",
                 "--output", str(output))

    printed = capsys.readouterr().out
    assert "Exposure:" in printed and "lower bound" in printed and "first fit" in printed
    plan = json.loads(output.read_text())
    assert {"exposure", "moves", "lower_bound"} <= set(plan["metrics"])
    assert plan["conflicts"] == []
    rows = {row["prisoner"]: row for row in plan["assignments"]}
    assert set(rows) == set(Prisoner.objects.values_list("pk", flat=True))
    assert {row["cell"] for row in rows.values()} <= {c.pk for c in estate["cells"].values()}
    assert all(isinstance(row["reasons"], list) for row in rows.values())
    # It proposes only.
    assert Placement.objects.count() == placements and AuditEntry.objects.count() == entries
    assert dict(Prisoner.objects.values_list("pk", "current_cell_id")) == cells
    assert not HousingPlan.objects.exists()


def test_conflicts_are_printed_as_text(estate, capsys):
    Prisoner.objects.filter(pk=estate["people"]["newcomer"].pk).update(
        needs_accessible_cell=True)

    call_command("plan_housing", "--facility", "HSG", "--time-limit", "2")

    assert "Conflict:" in capsys.readouterr().out
