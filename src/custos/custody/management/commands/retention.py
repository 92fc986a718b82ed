from django.core.management.base import BaseCommand, CommandError

from custos.accounts.models import User
from custos.custody import retention


class Command(BaseCommand):
    help = ("List records past their retention period (per category of people); with --erase, "
            "erase those whose rule says erase. Prisoners' files are only ever listed for review.")

    def add_arguments(self, parser):
        parser.add_argument("--erase", action="store_true")
        parser.add_argument("--as", dest="username", help="the user responsible for the erasure")

    def handle(self, *args, erase, username, **options):
        for due in retention.report():
            self.stdout.write(f"{due.category:<10} {due.count:>8} past {due.cutoff} → {due.action}")
        if erase:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError("--erase needs --as USERNAME of an active user.")
            count = retention.erase_due_contacts(acting_user=user)
            self.stdout.write(self.style.SUCCESS(f"Erased {count} contact records."))
