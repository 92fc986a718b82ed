from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelligenceConfig(AppConfig):
    name = "custos.intelligence"
    label = "intelligence"
    verbose_name = _("Prison intelligence")

    def ready(self) -> None:
        from custos.custody.file_sections import Section, register

        register(Section("intelligence/_file_section.html", _file_section))


def _file_section(request, prisoner) -> dict | None:
    """Reports naming the prisoner, for analysts; nothing at all for anyone else."""
    from .views import file_section

    return file_section(request, prisoner)
