from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from custos.access.policy import AccessDenied
from custos.accounts.models import User
from custos.assessments.instruments import InvalidInstrument
from custos.assessments.models import Instrument
from custos.assessments.services import instrument_load


class Command(BaseCommand):
    help = ("Load an assessment instrument from a YAML file (instruments/README.md). A new "
            "version loads beside the old; a loaded version is never changed.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--as", dest="username",
                            help="the administrator responsible (default: the system)")

    def handle(self, *args, path, username, **options):
        user = None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(_("No active user named “%(name)s”.") % {"name": username})
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s")
                               % {"path": path, "error": exc}) from exc
        before = Instrument.objects.count()
        try:
            instrument = instrument_load(acting_user=user, text=text, source_name=path)
        except InvalidInstrument as exc:
            raise CommandError(_("%(path)s is refused; nothing was loaded:\n%(errors)s")
                               % {"path": path, "errors": exc.message}) from exc
        except AccessDenied as exc:
            raise CommandError(str(exc)) from exc
        values = {"code": instrument.code, "version": instrument.version}
        if Instrument.objects.count() > before:
            self.stdout.write(self.style.SUCCESS(_("Loaded %(code)s version %(version)s")
                                                 % values))
        else:
            self.stdout.write(_("%(code)s version %(version)s is already loaded with this "
                                "content; nothing changed") % values)
