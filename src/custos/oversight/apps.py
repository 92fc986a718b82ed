from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "custos.oversight"
    verbose_name = _("Oversight and human rights")
    default_auto_field = "django.db.models.BigAutoField"
