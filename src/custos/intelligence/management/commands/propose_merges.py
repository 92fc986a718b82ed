from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from custos.intelligence.management.acting import analyst_named
from custos.intelligence.resolution import propose


class Command(BaseCommand):
    help = ("Compare outside people and propose merges of records that may be one person "
            "(shared phone numbers or documents, similar names, the same contacts). "
            "Analysts accept or reject each proposal; pairs already proposed are skipped.")

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000,
                            help="propose at most this many, best first (default 1000)")
        parser.add_argument("--as", dest="username",
                            help="the analyst responsible (without it: the system)")

    def handle(self, *args, limit, username, **options):
        user = analyst_named(username, _("propose merges"))
        made = propose(acting_user=user, limit=limit)
        self.stdout.write(_("%(count)d merge proposals made.") % {"count": len(made)})
