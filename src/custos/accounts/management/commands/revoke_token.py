from django.core.management.base import BaseCommand, CommandError

from custos.accounts import services
from custos.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = ("Revoke API tokens: the one whose key starts with PREFIX (the 8 characters shown "
            "when it was made), or every usable token of USERNAME. Each revocation is audited.")

    def add_arguments(self, parser):
        parser.add_argument("prefix_or_username")

    def handle(self, prefix_or_username, **options):
        usable = ApiToken.objects.usable().select_related("user")
        user = User.objects.filter(username=prefix_or_username).first()
        if user is not None:
            tokens = list(usable.filter(user=user))
        else:
            tokens = list(usable.filter(prefix=prefix_or_username[:8]))
        if not tokens:
            raise CommandError(f"No usable token for {prefix_or_username!r}.")
        for token in tokens:
            services.token_revoke(token=token, via="command")
            self.stdout.write(f"revoked {token.prefix}… of {token.user.username}")
