from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "custos.assessments"
    label = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from custos.custody import facility_links
        from custos.custody.file_sections import Section, register

        register(Section("assessments/_file_section.html", _file_section))
        facility_links.register(facility_links.Link("assessments:due", _due_link))


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


def _due_link(request, facility) -> tuple[str, str] | None:
    """The facility's assessments due and overdue, for those who may read that list."""
    from django.urls import reverse
    from django.utils.translation import gettext

    from custos.access import policy

    if not policy.can(request.user, "assessments.view", facility_id=facility.pk):
        return None
    return (gettext("Assessments due and overdue"),
            reverse("assessments:due", kwargs={"code": facility.code}))
