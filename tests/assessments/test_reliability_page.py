"""The reliability page lists agreement per item, least reliable first, and is audited."""

from django.urls import reverse

from custos.audit.models import AuditEntry

from ..factories import user_with_role


def test_the_reliability_page_opens_for_the_assessment_lead_and_is_audited(client, facility):
    client.force_login(user_with_role("director", facility, username="lead"))

    response = client.get(reverse("assessments:reliability"), {"instrument": "CUSTOS-VERN"})

    assert response.status_code == 200
    assert "double-rated" in response.content.decode()
    assert AuditEntry.objects.filter(action="assessment.reliability_view").exists()


def test_partners_do_not_see_the_reliability_of_assessments(client, facility):
    client.force_login(user_with_role("partner", facility, username="ngo"))

    assert client.get(reverse("assessments:reliability")).status_code == 403
