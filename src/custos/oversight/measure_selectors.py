"""Every read of the restrictive-measures register and of flags, narrowed for the reader.

Directors and security officers read their facilities; an independent monitor the facilities
of his body's mandate, with the prisoner's name only where the mandate allows individual
cases (an anonymous label otherwise). A measure or flag outside the reader's reach answers
404, like one that does not exist. A flag addressed to the independent monitor alone is not
shown to prison staff.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from custos.core.selectors import get_visible

from . import rules, scoping
from .flags import DIRECTOR, HEALTH, MONITOR
from .measures import SUBJECT, as_day, local_day, thresholds
from .models import DailyRecord, Flag, ImplicatedStaff, MeasureKind, RestrictiveMeasure

VIEW = "oversight.view"
HISTORY_DAYS = 30
# Where the record a flag is about is shown: its page and URL parameter, by subject type.
SUBJECT_PAGES = {"measure": ("oversight:measure", "measure"),
                 "charge": ("oversight:charge", "charge"),
                 "case": ("oversight:case", "case"),
                 "complaint": ("oversight:complaint", "complaint"),
                 "recommendation": ("oversight:recommendation", "recommendation"),
                 "visit": ("oversight:visit", "visit")}



# --- measures -------------------------------------------------------------------------------

def _open_flags():
    return Coalesce(Subquery(
        Flag.objects.filter(subject_type=SUBJECT, subject_id=OuterRef("pk"),
                            resolved_at__isnull=True)
        .order_by().values("subject_id").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField()), 0)


def measures_visible_to(*, user) -> QuerySet[RestrictiveMeasure]:
    return scoping.visible(user, VIEW, RestrictiveMeasure.objects.select_related(
        "prisoner", "facility", "authorised_by", "created_by"), prisoner_field="prisoner")


def measure_register(*, user, facility=None, kind: str = "", in_force: bool | None = None,
                     overdue: bool = False, prisoner=None, today: date | None = None
                     ) -> QuerySet[RestrictiveMeasure]:
    """The register, filtered; each row carries `open_flags`."""
    today = today or timezone.localdate()
    measures = measures_visible_to(user=user).annotate(open_flags=_open_flags())
    if facility:
        measures = measures.filter(facility=facility)
    if kind:
        measures = measures.filter(kind=kind)
    if prisoner:
        measures = measures.filter(prisoner=prisoner)
    if in_force is not None:
        measures = measures.filter(ended_at__isnull=in_force)
    if overdue:
        measures = measures.filter(ended_at__isnull=True, planned_review_on__lt=today)
    return measures.order_by("-started_at", "-pk")


def measure_get(*, user, pk) -> RestrictiveMeasure:
    return get_visible(measures_visible_to(user=user).annotate(open_flags=_open_flags()), pk)


def labelled(user, measures):
    """The measures with `subject` (name or anonymous label) and `days_so_far` set."""
    measures = list(measures)
    today = timezone.localdate()
    for measure in measures:
        measure.subject = scoping.subject_label(user, measure.prisoner, measure.facility_id)
        measure.names_shown = scoping.names_visible(user, measure.facility_id)
        measure.days_so_far = days_so_far(measure, today)
    return measures


def days_so_far(measure: RestrictiveMeasure, today: date | None = None) -> int:
    last = local_day(measure.ended_at) if measure.ended_at else (today or timezone.localdate())
    return max(0, (last - local_day(measure.started_at)).days + 1)


def measure_days(*, measure: RestrictiveMeasure) -> list[tuple[DailyRecord, int]]:
    """The measure's recorded days, each with the consecutive solitary days ending on it,
    counted across measures (ending one and starting another does not reset the count)."""
    own = list(DailyRecord.objects.filter(measure=measure).select_related("created_by"))
    if not own:
        return []
    first, last = own[0].on, own[-1].on
    around = DailyRecord.objects.filter(
        prisoner_id=measure.prisoner_id, on__gte=first - timedelta(days=HISTORY_DAYS),
        on__lte=last).exclude(measure=measure)
    everything = sorted([*own, *around], key=lambda r: r.on)
    counts = dict(zip((r.pk for r in everything),
                      rules.running_counts([as_day(r) for r in everything], thresholds()),
                      strict=True))
    return [(record, counts[record.pk]) for record in own]


def daily_record_get(*, user, pk) -> DailyRecord:
    return get_visible(scoping.visible(user, VIEW, DailyRecord.objects.select_related(
        "measure", "measure__prisoner", "facility"), prisoner_field="prisoner"), pk)


def kinds() -> list[tuple[str, str]]:
    return list(MeasureKind.choices)


# --- flags ----------------------------------------------------------------------------------

def flags_visible_to(*, user) -> QuerySet[Flag]:
    flags = scoping.visible(user, VIEW, Flag.objects.select_related(
        "facility", "prisoner", "resolved_by"), prisoner_field="prisoner")
    if not scoping.monitor_only(user, VIEW):
        flags = flags.exclude(for_whom=[MONITOR])
    # Staff implicated in a custody case are kept off it, its flags included.
    kept_off = ImplicatedStaff.objects.filter(user_id=user.pk).values("case_id")
    return flags.exclude(subject_type="case", subject_id__in=kept_off)


def flag_list(*, user, facility=None, state: str = "open", code: str = "",
              subject: tuple[str, int] | None = None) -> QuerySet[Flag]:
    flags = flags_visible_to(user=user)
    if facility:
        flags = flags.filter(facility=facility)
    if state == "open":
        flags = flags.filter(resolved_at__isnull=True)
    elif state == "resolved":
        flags = flags.filter(resolved_at__isnull=False)
    if code:
        flags = flags.filter(code=code)
    if subject:
        flags = flags.filter(subject_type=subject[0], subject_id=subject[1])
    return flags.order_by("-raised_on", "code", "-pk")


def flag_get(*, user, pk) -> Flag:
    return get_visible(flags_visible_to(user=user), pk)


def flag_codes(*, user) -> list[str]:
    return sorted(set(flags_visible_to(user=user).order_by().values_list("code", flat=True)
                      .distinct()))


AUDIENCES = {DIRECTOR: gettext_lazy("the prison director"), HEALTH: gettext_lazy("health care"),
             MONITOR: gettext_lazy("the independent monitor")}


CODE_LABELS = {
    "solitary_nearing_limit": gettext_lazy("Solitary confinement nearing the limit"),
    "prolonged_solitary": gettext_lazy("Prolonged solitary confinement"),
    "solitary_pregnant_or_nursing": gettext_lazy("Solitary confinement of a pregnant or nursing "
                                                 "woman"),
    "solitary_disability": gettext_lazy("Solitary confinement despite a disability or "
                                        "mental-health condition"),
    "no_health_visit": gettext_lazy("No health-care visit"),
    "no_open_air_hour": gettext_lazy("No hour in the open air"),
    "review_overdue": gettext_lazy("Review overdue"),
    "unauthorised_measure": gettext_lazy("Not authorised within 24 hours"),
    "day_not_recorded": gettext_lazy("Day not recorded"),
    "charge_not_notified": gettext_lazy("Charge not notified in time"),
    "charge_not_heard": gettext_lazy("Charge not heard in time"),
    "confinement_vulnerable": gettext_lazy("Confinement of a vulnerable prisoner"),
    "case_authority_overdue": gettext_lazy("Not reported to the independent authority"),
    "case_next_of_kin_overdue": gettext_lazy("Next of kin not informed"),
    "complaint_overdue": gettext_lazy("Complaint unanswered"),
    "possible_retaliation": gettext_lazy("Possible retaliation"),
    "recommendation_response_overdue": gettext_lazy("Government response overdue"),
    "recommendation_deadline_passed": gettext_lazy("Recommendation past its deadline"),
}


def code_label(code: str) -> str:
    """What a flag's code means, in words (codes of other records are shown as they are)."""
    return str(CODE_LABELS.get(code, code.replace("_", " ").capitalize()))


def audience(flag: Flag) -> str:
    return ", ".join(str(AUDIENCES.get(who, who)) for who in flag.for_whom)


def _localised(value):
    """An ISO date or date-time of the evidence, in the reader's format; anything else as is."""
    if isinstance(value, dict):
        return {key: _localised(inner) for key, inner in value.items()}
    if not isinstance(value, str) or len(value) < 10 or value[4:5] != "-":
        return value
    try:
        if len(value) == 10:
            return formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def evidence_in_words(flag: Flag) -> str:
    """What the safeguards found, as a sentence a reader can check against the records."""
    e = {key: _localised(value) for key, value in (flag.evidence or {}).items()}
    known = {
        "solitary_nearing_limit": lambda: _(
            "%(days)s consecutive days of solitary confinement up to %(day)s; the limit is "
            "%(limit)s days, the last day allowed %(last)s.") % {
            "days": e.get("consecutive_days"), "day": e.get("day"), "limit": e.get("limit"),
            "last": e.get("last_day_allowed")},
        "prolonged_solitary": lambda: _(
            "%(days)s consecutive days of solitary confinement up to %(day)s, more than the "
            "%(limit)s allowed.") % {"days": e.get("consecutive_days"), "day": e.get("day"),
                                     "limit": e.get("limit")},
        "solitary_pregnant_or_nursing": lambda: _(
            "Held in solitary confinement on %(day)s although pregnant, with an infant or "
            "breastfeeding.") % {"day": e.get("day")},
        "solitary_disability": lambda: _(
            "Held in solitary confinement on %(day)s with a recorded disability or "
            "mental-health condition.") % {"day": e.get("day")},
        "no_health_visit": lambda: _(
            "No health-care visit was recorded on %(day)s, a day of solitary confinement.")
            % {"day": e.get("on")},
        "no_open_air_hour": lambda: _(
            "%(minutes)s minutes in the open air on %(day)s; at least %(required)s are due.")
            % {"minutes": e.get("minutes"), "day": e.get("on"), "required": e.get("required")},
        "review_overdue": lambda: _(
            "The review was due on %(due)s and has not been recorded.")
            % {"due": e.get("review_due_on")},
        "unauthorised_measure": lambda: _(
            "Imposed at %(started)s and not authorised by a director within %(hours)s hours.")
            % {"started": e.get("started_at"), "hours": e.get("within_hours")},
        "day_not_recorded": lambda: _(
            "No record of %(day)s: hours without meaningful contact, time in the open air and "
            "the health-care visit are unknown.") % {"day": e.get("on")},
        "charge_not_notified": lambda: _(
            "Charged at %(at)s and not told of the charge within %(hours)s hours.")
            % {"at": e.get("charged_at"), "hours": e.get("hours")},
        "charge_not_heard": lambda: _(
            "Told of the charge at %(at)s and not heard within %(days)s days.")
            % {"at": e.get("notified_at"), "days": e.get("days")},
        "confinement_vulnerable": lambda: _(
            "Confinement to cell for %(days)s days from %(day)s of a prisoner with a recorded "
            "disability or mental-health condition.")
            % {"days": e.get("days"), "day": e.get("starts_on")},
        "recommendation_response_overdue": lambda: _(
            "The government's response was due on %(due)s and has not been given.")
            % {"due": e.get("due_on")},
        "recommendation_deadline_passed": lambda: _(
            "The implementation deadline, %(deadline)s, has passed and the recommendation is "
            "not implemented.") % {"deadline": e.get("deadline")},
    }
    if flag.code in known:
        return str(known[flag.code]())
    from . import cases, complaints  # their flags explain themselves

    shown = copy.copy(flag)  # with its dates in the reader's format
    shown.evidence = e
    for area in (cases, complaints):
        words = area.evidence_in_words(shown)
        if words:
            return str(words)
    return "; ".join(f"{key}: {value}" for key, value in sorted(e.items()))


def subject_url(flag: Flag) -> str | None:
    page = SUBJECT_PAGES.get(flag.subject_type)
    if page is None:
        return None
    try:
        return reverse(page[0], kwargs={page[1]: flag.subject_id})
    except NoReverseMatch:
        return None


def described(user, flags):
    """The flags with `words`, `audience`, `subject` (name or label) and `url` set."""
    flags = list(flags)
    for flag in flags:
        flag.words = evidence_in_words(flag)
        flag.label = code_label(flag.code)
        flag.audience = audience(flag)
        flag.subject = scoping.subject_label(user, flag.prisoner, flag.facility_id) \
            if flag.prisoner_id else ""
        flag.url = subject_url(flag)
    return flags

