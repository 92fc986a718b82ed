from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from custos.core.errors import InvalidInput
from custos.intelligence.importing import communications_import, write_report
from custos.intelligence.management.acting import analyst_named


class Command(BaseCommand):
    help = ("Import calls, letters, visits, video calls and money transfers from a CSV or "
            "Parquet export (the canonical header, or a supplier's export with --mapping). "
            "Rejected rows are listed with their reason; importing a file again adds nothing.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--mapping", help="the supplier's export format (mappings.yaml)")
        parser.add_argument("--as", dest="username",
                            help="the analyst responsible (without it: the system, for "
                                 "scheduled imports)")
        parser.add_argument("--report", help="write the rejected rows to this CSV file")

    def handle(self, *args, path, mapping, username, report, **options):
        user = analyst_named(username, _("import communications"))
        try:
            result = communications_import(acting_user=user, path=Path(path), mapping=mapping)
        except InvalidInput as error:
            raise CommandError(error.message) from error
        self.stdout.write(_("%(file)s: %(rows)d rows read, %(added)d added, %(duplicates)d "
                            "duplicates skipped, %(rejected)d rejected.") % {
            "file": result.batch.file_name, "rows": result.rows, "added": result.added,
            "duplicates": result.duplicates, "rejected": result.rejected_count})
        for row in result.rejected.head(10).iter_rows(named=True):
            self.stdout.write(_("  row %(row)d: %(reason)s") % row)
        if result.rejected_count > 10:
            self.stdout.write(_("  … and %(more)d more rejected rows.") % {
                "more": result.rejected_count - 10})
        if report:
            write_report(result, report)
            self.stdout.write(_("Rejected rows written to %(path)s.") % {"path": report})
