"""The reliability page: agreement between assessors, per item, for the assessment lead."""

from django.shortcuts import render

from custos.audit import trail

from . import selectors


def reliability_page(request):
    codes = selectors.reliability_codes(user=request.user)
    code = request.GET.get("instrument") or (codes[0] if codes else "")
    report = selectors.reliability_report(user=request.user, code=code) if code else None
    if report is not None:
        trail.record(request.user, "assessment.reliability_view", object_type="assessments",
                     object_repr=code, changes={"pairs": report["pairs"]})
    items = sorted((report or {}).get("items", {}).items(),
                   key=lambda kv: (kv[1]["value"] is None, kv[1]["value"] or 0))
    return render(request, "assessments/reliability.html", {
        "codes": codes, "code": code, "report": report, "items": items})
