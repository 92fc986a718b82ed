from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DIRECTOR = "director", _("Prison director")
    SECURITY = "security", _("Security officer")
    ANALYST = "analyst", _("Intelligence analyst")
    SOURCE_HANDLER = "sourcehandler", _("Source handler")
    ASSESSOR = "assessor", _("Assessor")
    CASE_MANAGER = "casemanager", _("Case manager")
    PROVIDER = "provider", _("Intervention provider")
    PARTNER = "partner", _("Civil-society partner")
    MONITOR = "monitor", _("Independent monitor")
    PROBATION = "probation", _("Probation officer")
    POLICE = "police", _("Police liaison")
    TRAINING = "training", _("Training officer")
    EVALUATOR = "evaluator", _("Evaluation officer")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")
