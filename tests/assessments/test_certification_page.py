"""Certifying assessors through the page: director or training officer only, audited."""

from django.urls import reverse
from django.utils import timezone

from custos.assessments.models import AssessorCertification
from custos.audit.models import AuditEntry

from ..factories import user_with_role
from .test_workflow import load


def test_a_training_officer_certifies_an_assessor(client, facility):
    load("intake-screening.yaml")
    assessor = user_with_role("assessor", facility, username="amina")
    client.force_login(user_with_role("training", facility, username="trainer"))
    today = timezone.localdate()

    response = client.post(reverse("assessments:certifications"), {
        "user": assessor.pk, "instrument_code": "CUSTOS-INTAKE",
        "certified_on": today.isoformat(),
        "expires_on": today.replace(year=today.year + 2).isoformat()})

    assert response.status_code == 302
    assert AssessorCertification.objects.filter(user=assessor).count() == 1
    assert AuditEntry.objects.filter(action="assessment.certify").exists()


def test_an_expiry_before_the_start_is_refused_and_nothing_is_recorded(client, facility):
    load("intake-screening.yaml")
    assessor = user_with_role("assessor", facility, username="amina")
    client.force_login(user_with_role("director", facility, username="boss"))
    today = timezone.localdate()

    response = client.post(reverse("assessments:certifications"), {
        "user": assessor.pk, "instrument_code": "CUSTOS-INTAKE",
        "certified_on": today.isoformat(), "expires_on": today.isoformat()})

    assert response.status_code == 200 and "must expire after" in response.content.decode()
    assert not AssessorCertification.objects.exists()
