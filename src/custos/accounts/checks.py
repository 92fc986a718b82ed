"""`custos check --deploy` warns when a safeguard meant only for the test suite is off."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def safeguards_on(app_configs, **kwargs):
    warnings = []
    if not getattr(settings, "CUSTOS_REQUIRE_TWO_FACTOR", True):
        warnings.append(Warning(
            "CUSTOS_REQUIRE_TWO_FACTOR is off: privileged roles sign in with a password alone.",
            hint="Only the test settings may turn it off.", id="custos.W001"))
    if not getattr(settings, "CUSTOS_AUDIT_TOKEN_USE", True):
        warnings.append(Warning(
            "CUSTOS_AUDIT_TOKEN_USE is off: API token use is not audited.",
            hint="Only the test settings may turn it off.", id="custos.W002"))
    missing = {"director", "security", "analyst", "auditor", "admin"} - set(
        getattr(settings, "CUSTOS_TWO_FACTOR_ROLES", ()))
    if missing:
        warnings.append(Warning(
            f"CUSTOS_TWO_FACTOR_ROLES leaves out privileged roles: {', '.join(sorted(missing))}.",
            id="custos.W003"))
    return warnings
