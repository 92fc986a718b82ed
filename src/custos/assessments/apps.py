from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "custos.assessments"
    label = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from custos.custody.file_sections import Section, register

        register(Section("assessments/_file_section.html", _file_section))


def _file_section(request, prisoner) -> dict | None:
    """The prisoner's assessments and risk trajectory, for those who may see them."""
    from custos.access import policy

    from .selectors import assessments_of
    from .trajectory import risk_trajectory

    if not policy.can(request.user, "assessments.view"):
        return None
    assessments = assessments_of(user=request.user, prisoner=prisoner)
    return {"assessments": assessments,
            "trajectory": risk_trajectory(prisoner=prisoner, assessments=assessments)}
