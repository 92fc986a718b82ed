"""The demo's safeguards and oversight: two monitoring bodies and the demo monitor, restrictive
measures in force and ended (one prisoner at day 12 of solitary confinement, one segregation
day without a health-care visit, an emergency measure never authorised), disciplinary charges
at every stage, complaints (one overdue, one confidential to the body), custody cases (a
serious injury not yet reported to the independent authority, a torture allegation that
was), and two monitoring visits with findings and recommendations at each stage of the
government's response. Then the nightly safeguards run, so the flags are there.

Everything goes through the oversight services, so the demo's records are audited and keep
the same rules as a user's; the services date reviews, decisions, responses and visits
today, so the history of the demo is short.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from custos.accounts.models import User
from custos.custody.models import CustodyStatus, Facility, Prisoner
from custos.oversight import cases, complaints, discipline, measures, monitoring, safeguards
from custos.oversight.models import Flag, MonitoringBody

NPM = "National Preventive Mechanism"
NGO = "Prison Watch"


def set_up(*, users: dict[str, User], seed: int) -> dict[str, int]:
    """The demo's oversight records; nothing if monitoring bodies exist already."""
    if MonitoringBody.objects.exists():
        return {}
    places = list(Facility.objects.order_by("code")[:2])
    if not places:
        return {}
    first, second = places[0], places[-1]
    rng = random.Random(seed)
    today = timezone.localdate()
    people = _prisoners(first, 14, rng, today) + _prisoners(second, 4, rng, today)
    if len(people) < 18:
        return {}
    with transaction.atomic():  # all of it or none: a second seeding would skip a part
        made = {"bodies": _bodies(users, places)}
        made["complaints"] = _complaints(users, people, today)
        made.update(_measures(users, people, today))
        made["charges"] = _charges(users, people[6:12], today)
        made["cases"] = _cases(users, people[12:14], today)
        made["recommendations"] = _monitoring(users, first, second, today)
    safeguards.run(today)
    made["flags"] = Flag.objects.count()
    return made


def _prisoners(facility: Facility, count: int, rng: random.Random, today: date
               ) -> list[Prisoner]:
    """Adult men in custody for some time, without the health facts that change the
    solitary-confinement checks, so each demo record shows the finding it is there for."""
    admitted_before = timezone.now() - timedelta(days=70)
    pool = [p for p in Prisoner.objects.filter(
        facility=facility, status=CustodyStatus.IN_CUSTODY, sex="M", pregnant_or_nursing=False,
        mental_health_condition=False, disability="", admitted_at__lt=admitted_before,
    ).order_by("id") if not p.is_juvenile(today - timedelta(days=60))]
    return rng.sample(pool, min(count, len(pool)))


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _bodies(users, places: list[Facility]) -> int:
    admin = users["admin"]
    npm = monitoring.body_create(
        acting_user=admin, name=NPM, kind="npm",
        mandate="Every place of deprivation of liberty, visited at any time (OPCAT art. 4, "
                "19 and 20); private interviews; individual cases.",
        legal_basis="Law establishing the national preventive mechanism",
        facilities=list(Facility.objects.order_by("code")), individual_cases=True,
        unannounced_visits=True)
    monitoring.body_create(
        acting_user=admin, name=NGO, kind="ngo",
        mandate="Conditions of detention in the two largest prisons, under a memorandum with "
                "the prison administration; figures only.",
        legal_basis="Memorandum of understanding, 2025", facilities=places,
        individual_cases=False, unannounced_visits=False)
    monitoring.membership_add(acting_user=admin, body=npm, user=users["monitor"],
                              started_on=timezone.localdate() - timedelta(days=365))
    return 2


def _complaints(users, people: list[Prisoner], today: date) -> int:
    """One overdue (its complainant is placed under an emergency measure since: the
    retaliation check flags it), one confidential to the body, one confidential to the
    director, two answered."""
    security, director, monitor = users["security"], users["director"], users["monitor"]
    complaints.complaint_file(
        acting_user=security, prison_number=people[2].prison_number,
        subject="Family visits cancelled",
        text="My family came twice this month and were sent away without a reason.",
        received_at=_at(today - timedelta(days=20), 10))
    complaints.complaint_file(
        acting_user=monitor, prison_number=people[14].prison_number,
        subject="Treatment during a search",
        text="Told the monitor in private that officers struck him during a cell search.",
        confidentiality="body", received_at=_at(today - timedelta(days=3), 15))
    complaints.complaint_file(
        acting_user=security, prison_number=people[15].prison_number,
        subject="Threats from another prisoner",
        text="Asks that only the director reads this: threatened for refusing to join a group.",
        confidentiality="director", received_at=_at(today - timedelta(days=2), 11))
    for person, subject, text, request, upheld in (
            (people[16], "Medical appointment", "Waiting three weeks to see a dentist.", False,
             True),
            (people[17], "Books in Arabic", "Asks for books in Arabic in the library.", True,
             False)):
        filed = complaints.complaint_file(acting_user=security,
                                          prison_number=person.prison_number, subject=subject,
                                          text=text, is_request=request,
                                          received_at=_at(today - timedelta(days=6), 9))
        complaints.complaint_answer(
            acting_user=director, complaint=filed, upheld=upheld,
            answer="An appointment is booked for next week." if upheld else
            "The library orders books twice a year; the request is added to the next order.")
    return 5


def _measures(users, people: list[Prisoner], today: date) -> dict:
    security, director = users["security"], users["director"]
    basis = "Prison Act, s. 40 (good order and discipline)"
    count, days = 0, 0

    # Day 12 of solitary confinement: the warning of Rule 44 shows from day 10.
    start = today - timedelta(days=11)
    solitary = measures.measure_impose(
        acting_user=director, prisoner=people[0], kind="solitary", legal_basis=basis,
        necessity="Attacked an officer with a blade on the landing; investigation open.",
        proportionality="Held apart only while the investigation needs it; reviewed weekly.",
        alternatives_considered="Segregation with association refused: he threatened others.",
        started_at=_at(start, 8), planned_review_on=start + timedelta(days=7))
    for n in range(12):
        measures.daily_record(acting_user=security, measure=solitary,
                              on=start + timedelta(days=n), hours_without_contact=23,
                              exercise_minutes=60, health_visit=True,
                              contacts="Nurse, 10 min; chaplain, 20 min")
        days += 1
    solitary.refresh_from_db()
    measures.measure_review(acting_user=director, measure=solitary, version=solitary.version,
                            outcome="continue", next_review_on=today + timedelta(days=3),
                            reasons="Investigation not finished; must end before day 15.")
    count += 1

    # Segregation: one day of 22.5 hours without the daily health-care visit (Rule 46(1)).
    start = today - timedelta(days=5)
    segregation = measures.measure_impose(
        acting_user=director, prisoner=people[1], kind="segregation", legal_basis=basis,
        necessity="Pressure on young prisoners to join a group; statements from three of them.",
        proportionality="Association with two named prisoners kept; education continues.",
        alternatives_considered="Transfer to another unit: the group reaches every unit.",
        started_at=_at(start, 14), planned_review_on=start + timedelta(days=7))
    for n in range(5):
        missed = n == 3
        measures.daily_record(acting_user=security, measure=segregation,
                              on=start + timedelta(days=n),
                              hours_without_contact="22.5" if missed else "20",
                              exercise_minutes=60, health_visit=not missed,
                              contacts="Education class, 2 h" if not missed else "")
        days += 1
    count += 1

    # An emergency measure imposed by security two days ago, still not authorised — on the
    # prisoner whose complaint is overdue.
    measures.measure_impose(
        acting_user=security, prisoner=people[2], kind="restricted_visits", legal_basis=basis,
        necessity="Drugs found after a visit; searching the visitors is being arranged.",
        proportionality="Visits behind glass for two weeks, not cancelled.",
        alternatives_considered="Closer search of the visitors alone.",
        started_at=_at(today - timedelta(days=2), 16),
        planned_review_on=today + timedelta(days=12))
    count += 1

    # Ended at its review.
    start = today - timedelta(days=45)
    ended = measures.measure_impose(
        acting_user=director, prisoner=people[3], kind="restricted_correspondence",
        legal_basis="Prison Act, s. 52 (correspondence)",
        necessity="Letters carried instructions to a group outside (police request).",
        proportionality="Letters read, not stopped; lawyers' letters untouched.",
        alternatives_considered="Reading a sample of letters only.",
        started_at=_at(start, 10), planned_review_on=start + timedelta(days=28))
    measures.measure_review(acting_user=director, measure=ended, version=ended.version,
                            outcome="end", reasons="No further instructions found in six weeks.")
    count += 1

    # Ended after a day.
    start = today - timedelta(days=20)
    search = measures.measure_impose(
        acting_user=director, prisoner=people[4], kind="special_search",
        legal_basis="Prison Act, s. 33 (searches)",
        necessity="A phone used from his cell, found by the network operator's report.",
        proportionality="One full search of the cell and of his person, by two officers.",
        alternatives_considered="A search of the cell alone.",
        started_at=_at(start, 7), planned_review_on=start + timedelta(days=1))
    measures.measure_end(acting_user=director, measure=search, version=search.version,
                         reason="Search done; phone found and seized.",
                         ended_at=_at(start, 11))
    count += 1

    # A long separation-unit placement, reviewed.
    start = today - timedelta(days=60)
    separation = measures.measure_impose(
        acting_user=director, prisoner=people[5], kind="separation_unit",
        legal_basis="Prison Act, s. 41 (separation units)",
        necessity="Leads recruitment on two wings (assessment of influence, high).",
        proportionality="Full regime inside the unit: work, education, visits.",
        alternatives_considered="Dispersal to another prison: family lives nearby.",
        started_at=_at(start, 9), planned_review_on=start + timedelta(days=30))
    measures.measure_review(acting_user=director, measure=separation,
                            version=separation.version, outcome="continue",
                            next_review_on=today + timedelta(days=25),
                            reasons="Influence unchanged; disengagement programme started.")
    count += 1
    return {"measures": count, "daily records": days}


def _language(prisoner: Prisoner) -> tuple[str, str]:
    """The language he is told in, and an interpreter where he needs one."""
    spoken = discipline.languages_of(prisoner)
    language = spoken[0] if spoken else "fr"
    needs = (not discipline.understands(prisoner, language)
             or discipline.interpreter_required(prisoner, language))
    return language, "Court interpreter on call" if needs else ""


def _charges(users, people: list[Prisoner], today: date) -> int:
    """Six charges: charged; notified; heard; proved with a sanction; not proved; proved,
    sanctioned and under appeal."""
    security, director = users["security"], users["director"]
    offences = (("Fighting", "Prison Rules r. 51(1)", "Fought with another prisoner at lunch."),
                ("Possession of a mobile phone", "Prison Rules r. 51(12)",
                 "A phone found taped under the bunk."),
                ("Threatening an officer", "Prison Rules r. 51(5)",
                 "Told an officer he knew where his family lived."),
                ("Damage to property", "Prison Rules r. 51(16)", "Broke the cell window."),
                ("Refusing a search", "Prison Rules r. 51(22)",
                 "Refused to be searched after a visit."),
                ("Possession of drugs", "Prison Rules r. 51(9)",
                 "Cannabis found in his shoe after a visit."))
    for stage, (person, (offence, rule, particulars)) in enumerate(zip(people, offences,
                                                                        strict=True)):
        incident = _at(today - timedelta(days=8 - stage // 2), 12)
        charge = discipline.charge_create(acting_user=security, prisoner=person,
                                          offence=offence, rule_reference=rule,
                                          particulars=particulars, incident_at=incident)
        if stage == 0:
            continue
        language, interpreter = _language(person)
        charge = discipline.charge_notify(acting_user=security, charge=charge,
                                          version=charge.version,
                                          notified_at=incident + timedelta(hours=3),
                                          language=language, interpreter=interpreter)
        if stage == 1:
            continue
        discipline.hearing_record(
            acting_user=director, charge=charge, version=charge.version,
            held_at=incident + timedelta(days=2), adjudicator=director, language=language,
            interpreter=interpreter, prisoner_heard=True,
            prisoner_statement="He says the other prisoner struck first." if stage != 4
            else "He says the phone was not his; his cellmate agrees.",
            legal_assistance="Legal aid lawyer" if stage in (3, 5) else "",
            witnesses="Two officers on the landing", finding="not_proved" if stage == 4
            else "proved")
        if stage == 2:
            continue
        charge.refresh_from_db()
        charge = discipline.charge_decide(acting_user=director, charge=charge,
                                          version=charge.version,
                                          reasons="The officers' accounts agree and the CCTV "
                                          "shows it." if stage != 4 else
                                          "The evidence does not show the phone was his.")
        if stage == 4:
            continue
        discipline.sanction_impose(acting_user=director, charge=charge,
                                   kind="loss_of_privileges", days=7, starts_on=today,
                                   details="No television or canteen extras for seven days.")
        if stage == 5:
            charge.refresh_from_db()
            discipline.appeal_lodge(acting_user=security, charge=charge, version=charge.version,
                                    grounds="The search that found the drugs was not recorded.",
                                    authority="Sentence enforcement judge")
    return len(offences)


def _cases(users, people: list[Prisoner], today: date) -> int:
    security, director = users["security"], users["director"]
    injury_at = timezone.now() - timedelta(days=2, hours=3)
    injury = cases.case_open(
        acting_user=security, prisoner=people[0], kind="serious_injury",
        occurred_at=injury_at, learned_at=injury_at + timedelta(minutes=40),
        account="Found with a broken arm in his cell after a search by the response team.",
        implicated_names=["Officer of the response team (named in the incident report)"])
    cases.case_notify_next_of_kin(acting_user=security, case=injury, next_of_kin="His mother",
                                  notified_at=injury_at + timedelta(hours=5))
    alleged_at = timezone.now() - timedelta(days=9)
    torture = cases.case_open(
        acting_user=security, prisoner=people[1], kind="torture", occurred_at=alleged_at,
        learned_at=alleged_at + timedelta(hours=6),
        account="Alleges he was beaten and held in stress positions during questioning at the "
                "police station before admission; marks seen by the nurse at intake.")
    cases.case_report_to_authority(acting_user=director, case=torture,
                                   authority="Public prosecutor of the district",
                                   independent=True, reference="PR-2026-0417",
                                   reported_at=alleged_at + timedelta(hours=10))
    return 2


def _monitoring(users, first: Facility, second: Facility, today: date) -> int:
    """Two visits by the national preventive mechanism; recommendations awaiting a response,
    partly accepted with an owner and a deadline, and implemented."""
    monitor, director = users["monitor"], users["director"]
    made = 0
    visits = []
    for facility, interviews in ((first, 12), (second, 7)):
        visit = monitoring.visit_plan(acting_user=monitor, facility=facility, planned_on=today,
                                      announced=False)
        visits.append(monitoring.visit_record(
            acting_user=monitor, visit=visit, version=visit.version, visited_on=today,
            team="Two members, a doctor and an interpreter", private_interviews=interviews,
            summary="Unannounced visit; the segregation unit, the health unit and the "
                    "complaints register were examined."))
    plan = (
        (visits[0], "measures", "Daily records of solitary confinement do not show the "
         "health-care visits on every day.",
         "Record the nurse's visit on every day of solitary confinement.", "awaiting"),
        (visits[0], "conditions", "Cells of the segregation unit have no natural light.",
         "Fit windows in the segregation unit cells.", "partly"),
        (visits[0], "health", "No interpreter was available for the intake medical "
         "examination.", "Keep an interpreter on call for intake examinations.",
         "implemented"),
        (visits[1], "complaints", "Complaints are collected by wing officers, not in a locked "
         "box.", "Put a locked complaints box on every wing.", "awaiting"),
    )
    for visit, area, finding_text, text, outcome in plan:
        finding = monitoring.finding_add(acting_user=monitor, visit=visit, area=area,
                                         text=finding_text)
        recommendation = monitoring.recommendation_add(acting_user=monitor, finding=finding,
                                                       text=text)
        made += 1
        if outcome == "partly":
            monitoring.recommendation_respond(
                acting_user=director, recommendation=recommendation,
                version=recommendation.version, response="partly",
                reasons="Windows in the six cells facing the yard this year; the others need "
                        "structural works not yet funded.",
                owner="Works department, regional directorate",
                deadline=today + timedelta(days=180))
        elif outcome == "implemented":
            responded = monitoring.recommendation_respond(
                acting_user=director, recommendation=recommendation,
                version=recommendation.version, response="accepted",
                reasons="", owner="Head of health care", deadline=today + timedelta(days=30))
            monitoring.recommendation_update(
                acting_user=director, recommendation=responded, version=responded.version,
                status="implemented",
                comment="Agreement signed with the interpreters' service; on call since "
                        "Monday.")
    return made
