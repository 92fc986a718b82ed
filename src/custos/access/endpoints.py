"""THE endpoint table: for every page and API endpoint, the permission each method needs.

Pages are checked by `AccessPolicyMiddleware`, API endpoints by the `Policy` permission
class; both read this table, so it is the one place that says who may call what. An
endpoint missing here is refused (and the endpoint-matrix test fails), never left open.
Which roles hold a permission is `policy.PERMISSIONS`; which rows they then see is the
scopes' business (`policy.scope`).
"""

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in user

ENDPOINTS: dict[str, dict[str, str]] = {
    # --- accounts and site ---
    "login": {"GET": PUBLIC, "POST": PUBLIC},
    "logout": {"POST": PUBLIC},
    "set_language": {"POST": PUBLIC},
    "schema": {"GET": SIGNED_IN},
    "api-docs": {"GET": SIGNED_IN},
    # --- accounts: sign-in steps (reachable before the TOTP step), own account, users ---
    "accounts:verify": {"GET": PUBLIC, "POST": PUBLIC},
    "accounts:enrol": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "accounts:account": {"GET": SIGNED_IN},
    "accounts:users": {"GET": "accounts.manage"},
    "accounts:user_create": {"GET": "accounts.manage", "POST": "accounts.manage"},
    "accounts:user": {"GET": "accounts.manage"},
    "accounts:role_add": {"POST": "accounts.manage"},
    "accounts:role_remove": {"POST": "accounts.manage"},
    "accounts:user_active": {"POST": "accounts.manage"},
    "accounts:two_factor_reset": {"POST": "accounts.manage"},
    "accounts:unlock": {"POST": "accounts.manage"},
    # --- custody pages ---
    "custody:dashboard": {"GET": "custody.view_facilities"},
    "custody:facility": {"GET": "custody.view_facilities"},
    "custody:search": {"GET": "custody.view"},
    "custody:admit": {"GET": "custody.admit", "POST": "custody.admit"},
    "custody:prisoner": {"GET": "custody.view"},
    "custody:edit": {"GET": "custody.edit", "POST": "custody.edit"},
    "custody:name_add": {"GET": "custody.edit", "POST": "custody.edit"},
    "custody:place": {"GET": "custody.place", "POST": "custody.place"},
    "custody:keep_apart": {"GET": "custody.keep_apart", "POST": "custody.keep_apart"},
    "custody:release": {"GET": "custody.release", "POST": "custody.release"},
    "custody:keep_apart_close": {"GET": "custody.keep_apart", "POST": "custody.keep_apart"},
    "custody:export": {"GET": "custody.export", "POST": "custody.export"},
    # --- access scopes ---
    "access:home": {"GET": SIGNED_IN},
    "access:break_glass": {"GET": "access.break_glass", "POST": "access.break_glass"},
    "access:allocate": {"GET": "custody.allocate", "POST": "custody.allocate"},
    "access:allocation_end": {"GET": "custody.allocate", "POST": "custody.allocate"},
    # --- audit trail (the auditor alone) ---
    "audit:list": {"GET": "audit.view"},
    "audit:export": {"GET": "audit.export"},
    "audit:verify": {"GET": "audit.view", "POST": "audit.view"},
    # --- custody API (/api/v1/) ---
    "facility-list": {"GET": "custody.view_facilities"},
    "facility-detail": {"GET": "custody.view_facilities"},
    "unit-list": {"GET": "custody.view_facilities"},
    "unit-detail": {"GET": "custody.view_facilities"},
    "cell-list": {"GET": "custody.view"},
    "cell-detail": {"GET": "custody.view"},
    "prisoner-list": {"GET": "custody.view", "POST": "custody.admit"},
    "prisoner-detail": {"GET": "custody.view", "PATCH": "custody.edit"},
    "prisoner-release": {"POST": "custody.release"},
    "placement-list": {"GET": "custody.view", "POST": "custody.place"},
    "placement-detail": {"GET": "custody.view"},
    "keep-apart-list": {"GET": "custody.view", "POST": "custody.keep_apart"},
    "keep-apart-detail": {"GET": "custody.view"},
    "keep-apart-close": {"POST": "custody.keep_apart"},
    # --- assessment pages ---
    "assessments:list": {"GET": "assessments.view"},
    "assessments:reliability": {"GET": "assessments.view"},
    "assessments:certifications": {"GET": "assessments.certify",
                                   "POST": "assessments.certify"},
    "assessments:new": {"GET": "assessments.assess", "POST": "assessments.assess"},
    "assessments:detail": {"GET": "assessments.view", "POST": "assessments.assess"},
    # Reading a classification: "classification.propose" holders (a superset of
    # "assessments.view"); deciding is checked again by the service ("classification.decide").
    "assessments:prisoner_classification": {"GET": "classification.propose",
                                            "POST": "classification.propose"},
    "assessments:due": {"GET": "assessments.view"},
    "assessments:calibration": {"GET": "assessments.calibrate",
                                "POST": "assessments.calibrate"},
    "assessments:calibration_exercise": {"GET": "assessments.calibrate",
                                         "POST": "assessments.calibrate"},
    # --- housing pages: security officers and directors plan, a director decides ---
    "housing:list": {"GET": "housing.plan", "POST": "housing.plan"},
    "housing:plan": {"GET": "housing.plan"},
    "housing:progress": {"GET": "housing.plan"},
    "housing:assignments": {"GET": "housing.plan"},
    "housing:cancel": {"POST": "housing.plan"},
    "housing:approve": {"POST": "housing.approve"},
    "housing:reject": {"POST": "housing.approve"},
    # --- intelligence pages: analysts; the wing form for security officers and directors;
    # disseminations for their recipients; sources for the source handler ---
    "intelligence:home": {"GET": "intelligence.view"},
    "intelligence:report_new": {"GET": "intelligence.analyse", "POST": "intelligence.analyse"},
    "intelligence:report": {"GET": "intelligence.view", "POST": "intelligence.analyse"},
    "intelligence:disseminate": {"POST": "intelligence.analyse"},
    "intelligence:observe": {"GET": "intelligence.observe", "POST": "intelligence.observe"},
    "intelligence:disseminated": {"GET": "intelligence.disseminated"},
    "intelligence:dissemination": {"GET": "intelligence.disseminated",
                                   "POST": "intelligence.disseminated"},
    "intelligence:sources": {"GET": "intelligence.sources", "POST": "intelligence.sources"},
    "intelligence:source": {"GET": "intelligence.sources", "POST": "intelligence.sources"},
    "intelligence:compartments": {"GET": "intelligence.view", "POST": "intelligence.analyse"},
    "intelligence:compartment": {"GET": "intelligence.view", "POST": "intelligence.analyse"},
    "intelligence:people": {"GET": "intelligence.view"},
    "intelligence:person": {"GET": "intelligence.view", "POST": "intelligence.analyse"},
    "intelligence:alerts": {"GET": "intelligence.view", "POST": "intelligence.analyse"},
    "intelligence:alert": {"GET": "intelligence.view", "POST": "intelligence.analyse"},
    "intelligence:network": {"GET": "intelligence.view"},
    "intelligence:imports": {"GET": "intelligence.view", "POST": "intelligence.analyse"},
    "intelligence:import": {"GET": "intelligence.view"},
    # --- assessments API (/api/v1/) ---
    "instrument-list": {"GET": "assessments.view"},
    "instrument-detail": {"GET": "assessments.view"},
    "assessment-list": {"GET": "assessments.view", "POST": "assessments.assess"},
    "assessment-detail": {"GET": "assessments.view", "PATCH": "assessments.assess"},
    "assessment-submit": {"POST": "assessments.assess"},
    "assessment-countersign": {"POST": "assessments.assess"},
    "assessment-correct": {"POST": "assessments.assess"},
    "reliability-list": {"GET": "assessments.view"},
    "classification-list": {"GET": "classification.propose", "POST": "classification.propose"},
    "classification-detail": {"GET": "classification.propose"},
    "classification-decide": {"POST": "classification.decide"},
    "classification-review-requests": {"POST": "classification.propose"},
    "classification-review-decide": {"POST": "classification.decide"},
    # --- housing API (/api/v1/); deciding is checked again per facility by the services ---
    "housing-plan-list": {"GET": "housing.plan", "POST": "housing.plan"},
    "housing-plan-detail": {"GET": "housing.plan"},
    "housing-plan-progress": {"GET": "housing.plan"},
    "housing-plan-assignments": {"GET": "housing.plan"},
    "housing-plan-cancel": {"POST": "housing.plan"},
    "housing-plan-approve": {"POST": "housing.approve"},
    "housing-plan-reject": {"POST": "housing.approve"},
    # --- intelligence API (/api/v1/intelligence/): analysts; sources for the handler;
    # observations by wing staff; disseminations for their recipients ---
    "intelligence-report-list": {"GET": "intelligence.view", "POST": "intelligence.analyse"},
    "intelligence-report-detail": {"GET": "intelligence.view"},
    "intelligence-report-grade": {"POST": "intelligence.analyse"},
    "intelligence-report-disseminate": {"POST": "intelligence.analyse"},
    "intelligence-observation-list": {"GET": "intelligence.observe",
                                      "POST": "intelligence.observe"},
    "intelligence-dissemination-list": {"GET": "intelligence.disseminated"},
    "intelligence-dissemination-detail": {"GET": "intelligence.disseminated"},
    "intelligence-dissemination-reply": {"POST": "intelligence.disseminated"},
    "intelligence-source-list": {"GET": "intelligence.sources", "POST": "intelligence.sources"},
    "intelligence-source-detail": {"GET": "intelligence.sources"},
    "intelligence-source-identity": {"POST": "intelligence.sources"},
    "intelligence-source-deactivate": {"POST": "intelligence.sources"},
    "intelligence-compartment-list": {"GET": "intelligence.view",
                                      "POST": "intelligence.analyse"},
    "intelligence-compartment-members": {"POST": "intelligence.analyse"},
    "intelligence-person-list": {"GET": "intelligence.view", "POST": "intelligence.analyse"},
    "intelligence-person-detail": {"GET": "intelligence.view"},
    "intelligence-person-flag": {"POST": "intelligence.analyse"},
    "intelligence-communication-list": {"GET": "intelligence.view"},
    "intelligence-alert-rule-list": {"GET": "intelligence.view", "POST": "intelligence.analyse"},
    "intelligence-alert-rule-deactivate": {"POST": "intelligence.analyse"},
    "intelligence-alert-list": {"GET": "intelligence.view"},
    "intelligence-alert-detail": {"GET": "intelligence.view"},
    "intelligence-alert-close": {"POST": "intelligence.analyse"},
    "intelligence-network-list": {"GET": "intelligence.view"},
    "intelligence-network-ego": {"GET": "intelligence.view"},
    "intelligence-network-path": {"GET": "intelligence.view"},
    "intelligence-network-changes": {"GET": "intelligence.view"},
    "intelligence-network-timeline": {"GET": "intelligence.view"},
    "intelligence-network-export": {"GET": "intelligence.view"},
    "intelligence-merge-proposal-list": {"GET": "intelligence.view",
                                         "POST": "intelligence.analyse"},
    "intelligence-merge-proposal-detail": {"GET": "intelligence.view"},
    "intelligence-merge-proposal-accept": {"POST": "intelligence.analyse"},
    "intelligence-merge-proposal-reject": {"POST": "intelligence.analyse"},
    "intelligence-merge-proposal-undo": {"POST": "intelligence.analyse"},
    # Calibration: closing is checked again by the service (the lead who opened it, or a
    # certifier); the agreement is withheld from an assessor who has not rated yet.
    "calibration-list": {"GET": "assessments.calibrate", "POST": "assessments.calibrate"},
    "calibration-detail": {"GET": "assessments.calibrate"},
    "calibration-rate": {"POST": "assessments.calibrate"},
    "calibration-close": {"POST": "assessments.calibrate"},
    "calibration-results": {"GET": "assessments.calibrate"},
    # --- oversight (pages "oversight:…", API "oversight-…"): one section per area ---
    # oversight: dashboard and report. Figures only, never a name: whoever reads oversight
    # (a monitor for his body's mandate); the report is a disclosure, for directors and
    # monitors, recorded with its purpose and recipients.
    "oversight:dashboard": {"GET": "oversight.view"},
    "oversight:report": {"GET": "oversight.export", "POST": "oversight.export"},
    "oversight-dashboard-list": {"GET": "oversight.view"},
    # oversight: restrictive measures, daily records and flags
    "oversight:measures": {"GET": "oversight.view"},
    "oversight:measure_new": {"GET": "oversight.measures", "POST": "oversight.measures"},
    "oversight:measure": {"GET": "oversight.view"},
    "oversight:measure_authorise": {"GET": "oversight.authorise", "POST": "oversight.authorise"},
    "oversight:measure_review": {"GET": "oversight.measures", "POST": "oversight.measures"},
    "oversight:measure_end": {"GET": "oversight.measures", "POST": "oversight.measures"},
    "oversight:measure_day": {"GET": "oversight.measures", "POST": "oversight.measures"},
    "oversight:measure_day_correct": {"GET": "oversight.measures",
                                      "POST": "oversight.measures"},
    "oversight:flags": {"GET": "oversight.view"},
    # Resolving: a director, or for a flag addressed to the monitor alone, his body's monitor
    # (the service decides which).
    "oversight:flag": {"GET": "oversight.view", "POST": "oversight.view"},
    "oversight-measure-list": {"GET": "oversight.view", "POST": "oversight.measures"},
    "oversight-measure-detail": {"GET": "oversight.view"},
    "oversight-measure-authorise": {"POST": "oversight.authorise"},
    "oversight-measure-review": {"POST": "oversight.measures"},
    "oversight-measure-end": {"POST": "oversight.measures"},
    "oversight-measure-days": {"GET": "oversight.view", "POST": "oversight.measures"},
    "oversight-flag-list": {"GET": "oversight.view"},
    "oversight-flag-detail": {"GET": "oversight.view"},
    "oversight-flag-resolve": {"POST": "oversight.view"},
    # oversight: discipline
    # Monitors read charges and figures of their mandate; staff charge, notify, hear and
    # lodge appeals; a director decides, sanctions and records the appeal's outcome.
    "oversight:charges": {"GET": "oversight.view"},
    "oversight:charge_new": {"GET": "oversight.discipline", "POST": "oversight.discipline"},
    "oversight:charge": {"GET": "oversight.view"},
    "oversight:charge_notify": {"POST": "oversight.discipline"},
    "oversight:charge_hearing": {"POST": "oversight.discipline"},
    "oversight:charge_decide": {"POST": "oversight.adjudicate"},
    "oversight:charge_sanction": {"POST": "oversight.adjudicate"},
    "oversight:charge_appeal": {"POST": "oversight.discipline"},
    "oversight:charge_appeal_decision": {"POST": "oversight.adjudicate"},
    "oversight-charge-list": {"GET": "oversight.view", "POST": "oversight.discipline"},
    "oversight-charge-detail": {"GET": "oversight.view"},
    "oversight-charge-figures": {"GET": "oversight.view"},
    "oversight-charge-notify": {"POST": "oversight.discipline"},
    "oversight-charge-hearing": {"POST": "oversight.discipline"},
    "oversight-charge-decide": {"POST": "oversight.adjudicate"},
    "oversight-charge-sanction": {"POST": "oversight.adjudicate"},
    "oversight-charge-appeal": {"POST": "oversight.discipline"},
    "oversight-charge-appeal-decision": {"POST": "oversight.adjudicate"},
    # oversight: deaths, serious injuries, torture allegations. Reading: oversight readers
    # in scope (monitors by mandate), never staff implicated in the case; closing: a director.
    "oversight:cases": {"GET": "oversight.view"},
    "oversight:case_new": {"GET": "oversight.cases", "POST": "oversight.cases"},
    "oversight:case": {"GET": "oversight.view"},
    "oversight:case_report": {"POST": "oversight.cases"},
    "oversight:case_next_of_kin": {"POST": "oversight.cases"},
    "oversight:case_evidence": {"POST": "oversight.cases"},
    "oversight:case_close": {"POST": "oversight.authorise"},
    "oversight-case-list": {"GET": "oversight.view", "POST": "oversight.cases"},
    "oversight-case-detail": {"GET": "oversight.view"},
    "oversight-case-report": {"POST": "oversight.cases"},
    "oversight-case-notify-next-of-kin": {"POST": "oversight.cases"},
    "oversight-case-evidence": {"POST": "oversight.cases"},
    "oversight-case-close": {"POST": "oversight.authorise"},
    # oversight: complaints. Filers (staff, monitors, partners) list what they filed;
    # oversight readers see by confidentiality; answering is checked again by the service
    # (a director, or for a complaint confidential to a body that body's monitor).
    "oversight:complaints": {"GET": "oversight.complain"},
    "oversight:complaint_new": {"GET": "oversight.complain", "POST": "oversight.complain"},
    "oversight:complaint": {"GET": "oversight.view", "POST": "oversight.view"},
    "oversight-complaint-list": {"GET": "oversight.complain", "POST": "oversight.complain"},
    "oversight-complaint-detail": {"GET": "oversight.view"},
    "oversight-complaint-answer": {"POST": "oversight.view"},
    # oversight: independent monitoring. Monitors visit and recommend for their body (the
    # services check the body and its mandate); the director of the facility responds; bodies
    # and who acts for them are the administrator's. A follow-up step on a recommendation is
    # for either side: the service decides which (the body's monitor or the director).
    "oversight:monitoring": {"GET": "oversight.view"},
    "oversight:bodies": {"GET": "oversight.bodies"},
    "oversight:body_new": {"GET": "oversight.bodies", "POST": "oversight.bodies"},
    "oversight:body": {"GET": "oversight.bodies", "POST": "oversight.bodies"},
    "oversight:body_member_add": {"POST": "oversight.bodies"},
    "oversight:body_member_end": {"POST": "oversight.bodies"},
    "oversight:visit_new": {"GET": "oversight.monitor", "POST": "oversight.monitor"},
    "oversight:visit": {"GET": "oversight.view"},
    "oversight:visit_record": {"POST": "oversight.monitor"},
    "oversight:visit_cancel": {"POST": "oversight.monitor"},
    "oversight:finding_new": {"POST": "oversight.monitor"},
    "oversight:recommendation_new": {"POST": "oversight.monitor"},
    "oversight:recommendation": {"GET": "oversight.view"},
    "oversight:recommendation_respond": {"POST": "oversight.respond"},
    "oversight:recommendation_update": {"POST": "oversight.view"},
    "oversight-body-list": {"GET": "oversight.bodies", "POST": "oversight.bodies"},
    "oversight-body-detail": {"GET": "oversight.bodies", "PATCH": "oversight.bodies"},
    "oversight-body-members": {"POST": "oversight.bodies"},
    "oversight-body-end-membership": {"POST": "oversight.bodies"},
    "oversight-visit-list": {"GET": "oversight.view", "POST": "oversight.monitor"},
    "oversight-visit-detail": {"GET": "oversight.view"},
    "oversight-visit-record": {"POST": "oversight.monitor"},
    "oversight-visit-cancel": {"POST": "oversight.monitor"},
    "oversight-visit-findings": {"POST": "oversight.monitor"},
    "oversight-recommendation-list": {"GET": "oversight.view", "POST": "oversight.monitor"},
    "oversight-recommendation-detail": {"GET": "oversight.view"},
    "oversight-recommendation-respond": {"POST": "oversight.respond"},
    "oversight-recommendation-update": {"POST": "oversight.view"},
}


class NotInTable(LookupError):
    """An endpoint or method the table does not name: refused, never open by default."""


def required(view_name: str, method: str) -> str:
    """The permission (or PUBLIC / SIGNED_IN) that `method` on `view_name` needs."""
    method = "GET" if method in ("HEAD", "OPTIONS") else method
    try:
        return ENDPOINTS[view_name][method]
    except KeyError as missing:
        raise NotInTable(f"{method} {view_name}") from missing
