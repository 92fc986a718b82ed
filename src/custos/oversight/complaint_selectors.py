"""Reading complaints, by confidentiality:

- not confidential: the oversight readers in scope (a monitor within his body's mandate, with
  names only where it allows individual cases);
- confidential to the director: the directors of the facility;
- confidential to an independent body: that body's monitors;

and always the person who filed it. The prison sees only the number of complaints kept from
it. Each complaint read is audited.
"""

from __future__ import annotations

from datetime import timedelta
from statistics import median

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from custos.access import policy
from custos.audit import trail

from . import complaints, scoping
from .models import Complaint, ComplaintStatus, Confidentiality

VIEW = "oversight.view"
FIGURES_DAYS = 365


def _visible_condition(user) -> Q:
    everyone = scoping.visible(user, VIEW, Complaint.objects.filter(
        confidentiality=Confidentiality.NONE), prisoner_field="prisoner")
    directors = policy.scope(user, complaints.ANSWER, Complaint.objects.filter(
        confidentiality=Confidentiality.DIRECTOR), prisoner_field="prisoner")
    condition = (Q(pk__in=everyone.values("pk")) | Q(pk__in=directors.values("pk"))
                 | Q(created_by_id=user.pk))
    body = scoping.body_of(user) if policy.can(user, complaints.MONITORS) else None
    if body is not None:
        condition |= Q(confidentiality=Confidentiality.BODY, body_id=body.pk)
    return condition


def complaints_visible(*, user) -> QuerySet[Complaint]:
    if not policy.grants(user):
        return Complaint.objects.none()
    return Complaint.objects.filter(_visible_condition(user)).select_related(
        "prisoner", "facility", "body")


def complaint_get(*, user, pk: int) -> Complaint:
    """One complaint, its read audited; one the user may not read does not exist for him."""
    complaint = complaints_visible(user=user).filter(pk=pk).first()
    if complaint is None:
        raise Http404
    trail.record(user, "oversight.complaint_read", complaint)
    return complaint


def described(complaint: Complaint, *, user, today=None) -> Complaint:
    """The complaint as a page shows it to this reader."""
    today = today or timezone.localdate()
    complaint.subject_label = scoping.subject_label(user, complaint.prisoner,
                                                    complaint.facility_id) \
        if policy.can(user, VIEW) else complaint.prisoner.prison_number
    complaint.overdue = complaint.status in complaints.WAITING and \
        complaint.answer_due_on < today
    complaint.openable = policy.can(user, VIEW)
    return complaint


def figures(*, user, today=None) -> dict:
    """Received, answered, median days to answer and overdue, over the complaints received
    in the last year in the facilities the user oversees, confidential ones included as
    numbers; and how many of them are kept from him."""
    today = today or timezone.localdate()
    reach = scoping.facilities(user, VIEW)
    found = Complaint.objects.filter(received_at__gte=timezone.now()
                                     - timedelta(days=FIGURES_DAYS))
    if reach is not policy.ALL:
        found = found.filter(facility_id__in=sorted(reach))
    answered = list(found.filter(status=ComplaintStatus.ANSWERED).values_list(
        "received_at", "answered_at"))
    days = [(a - r).total_seconds() / 86400 for r, a in answered if a is not None]
    kept = found.exclude(pk__in=complaints_visible(user=user).values("pk"))
    return {"received": found.count(), "answered": len(answered),
            "median_days": round(median(days), 1) if days else None,
            "overdue": found.filter(status__in=complaints.WAITING,
                                    answer_due_on__lt=today).count(),
            "confidential": kept.count()}
