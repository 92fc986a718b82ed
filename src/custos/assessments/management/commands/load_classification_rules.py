from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from custos.assessments.classifying import rules_load
from custos.core.errors import InvalidInput


class Command(BaseCommand):
    help = "Load a version of the classification rules file (e.g. instruments/classification.yaml)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            rules = rules_load(text=Path(path).read_text(encoding="utf-8"))
        except InvalidInput as refused:
            problems = refused.details.get("problems") or [refused.message]
            raise CommandError("The rules file was refused, nothing changed:\n  "
                               + "\n  ".join(problems)) from refused
        self.stdout.write(f"Loaded {rules.code} version {rules.version}")
