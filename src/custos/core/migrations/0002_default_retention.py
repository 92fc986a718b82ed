"""Default retention periods, which each service's data-protection officer adjusts."""

from django.db import migrations

DEFAULTS = [
    ("prisoner", 10 * 365, "review", "Prison records: reviewed ten years after release"),
    ("suspect", 5 * 365, "review", "Reviewed five years after the last entry"),
    ("victim", 5 * 365, "review", "Reviewed five years after the last entry"),
    ("witness", 5 * 365, "review", "Reviewed five years after the last entry"),
    ("informant", 5 * 365, "review", "Reviewed five years after the last entry"),
    ("contact", 2 * 365, "erase", "Family and contacts: erased two years after release"),
]


def forwards(apps, schema_editor):
    RetentionRule = apps.get_model("core", "RetentionRule")
    for category, days, action, basis in DEFAULTS:
        RetentionRule.objects.get_or_create(category=category, defaults={
            "retention_days": days, "action": action, "legal_basis": basis})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
