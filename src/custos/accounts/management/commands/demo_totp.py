from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from custos.accounts import twofactor
from custos.accounts.models import User


class Command(BaseCommand):
    help = ("Development only: print the current two-factor code of a demo user (their key "
            "is derived from the username and the seed_demo --seed). Refused unless DEBUG.")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp runs only with DEBUG on (the development settings).")
        user = User.objects.filter(username=username).first()
        device = twofactor.confirmed_device(user) if user else None
        if device is None:
            raise CommandError(f"{username!r} has no two-factor device.")
        self.stdout.write(twofactor.current_code(device))
