from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "custos.oversight"
    verbose_name = _("Oversight and human rights")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from custos.custody.file_sections import Section, register

        register(Section("oversight/_file_section.html", _file_section))


def _file_section(request, prisoner) -> dict | None:
    """Measures, charges and open flags, for those who may see them by name."""
    from .file_section import file_section

    return file_section(request, prisoner)
