from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from custos.accounts.models import ApiToken, User
from custos.audit import trail


class Command(BaseCommand):
    help = "Print a new API token for USERNAME (shown once; only its hash is kept)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=None, help="expire after this many days")
        parser.add_argument("--label", default="")

    def handle(self, username, days, label, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        expires = timezone.now() + timedelta(days=days) if days else None
        token, key = ApiToken.issue(user=user, label=label, expires_at=expires)
        trail.record(user, "token.create", token, via="command")
        self.stdout.write(key)
