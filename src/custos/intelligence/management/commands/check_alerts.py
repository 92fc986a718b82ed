"""`custos check_alerts`: run every active alert rule over the communications on record."""

from django.core.management.base import BaseCommand

from custos.intelligence.alerts import raise_alerts


class Command(BaseCommand):
    help = "Run the analysts' alert rules and raise an alert for each new match (nightly)."

    def handle(self, *args, **options):
        raised = raise_alerts()
        self.stdout.write(f"alerts raised or opened again: {raised}")
