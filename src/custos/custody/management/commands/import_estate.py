from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from custos.accounts.models import User
from custos.custody.estate import COLUMNS, InvalidEstate, estate_import


class Command(BaseCommand):
    help = ("Create or update facilities, units and cells from a CSV (one row per cell). "
            "Columns: " + ", ".join(COLUMNS) + ". Nothing is deleted; changes are audited.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--as", dest="username", help="the administrator responsible")

    def handle(self, *args, path, username, **options):
        user = None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user named {username!r}.")
        try:
            report = estate_import(acting_user=user, text=Path(path).read_text(encoding="utf-8"),
                                   source_name=Path(path).name)
        except InvalidEstate as error:
            raise CommandError("The estate file was refused, nothing changed:\n  "
                               + "\n  ".join(error.problems)) from error
        self.stdout.write(f"Created {report.created}; updated {report.updated}.")
