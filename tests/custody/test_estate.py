"""The estate as configuration: loaded from a CSV, updated with an audit, refused when wrong."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from custos.access.policy import AccessDenied
from custos.audit.models import AuditEntry
from custos.custody.estate import InvalidEstate, estate_import
from custos.custody.models import Cell, Facility, Unit

from ..factories import user_with_role

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "estate.csv"


def counts():
    return Facility.objects.count(), Unit.objects.count(), Cell.objects.count()


def test_the_example_estate_loads_and_reloading_it_changes_nothing(db):
    text = EXAMPLE.read_text()

    first = estate_import(acting_user=None, text=text, source_name="estate.csv")
    second = estate_import(acting_user=None, text=text, source_name="estate.csv")

    assert first.created == {"facility": 1, "unit": 4, "cell": 5}
    assert second.created == {"facility": 0, "unit": 0, "cell": 0}
    assert second.updated == {"facility": 0, "unit": 0, "cell": 0}
    assert Cell.objects.get(number="S001").single_occupancy is True
    assert Unit.objects.get(code="W").mixed_legal_status is True


def test_a_changed_cell_is_updated_with_before_and_after_in_the_trail(db):
    estate_import(acting_user=None, text=EXAMPLE.read_text())
    changed = EXAMPLE.read_text().replace("A002,1,12,no,no", "A002,1,10,no,no")

    report = estate_import(acting_user=None, text=changed)

    assert report.updated["cell"] == 1
    assert Cell.objects.get(number="A002").beds == 10
    entry = AuditEntry.objects.get(action="estate.cell_update")
    assert entry.changes == {"beds": [12, 10]}


@pytest.mark.parametrize(("old", "new", "message"), [
    ("A001,1,12,no,yes", "A001,1,0,no,yes", "row 2, beds"),
    ("A002,1,12,no,no", "A002,1,12,maybe,no", "row 3, single_occupancy"),
    ("R,Remand,remand", "R,Remand,prison", "row 4, regime"),
    ("A002,1,12,no,no", "A001,1,12,no,no", "appears twice"),
])
def test_a_bad_row_refuses_the_whole_file_naming_row_and_column(db, old, new, message):
    text = EXAMPLE.read_text().replace(old, new)

    with pytest.raises(InvalidEstate) as refused:
        estate_import(acting_user=None, text=text)

    assert any(message in problem for problem in refused.value.problems)
    assert counts() == (0, 0, 0)


def test_only_the_administrator_configures_the_estate(facility):
    director = user_with_role("director", facility, username="boss")
    before = counts()

    with pytest.raises(AccessDenied):
        estate_import(acting_user=director, text=EXAMPLE.read_text())
    assert counts() == before


def test_the_command_reports_problems_and_exits_non_zero(db, tmp_path):
    bad = tmp_path / "estate.csv"
    bad.write_text("facility_code,facility_name\nX,Y\n")

    with pytest.raises(CommandError, match="missing columns"):
        call_command("import_estate", str(bad))
    assert counts() == (0, 0, 0)
