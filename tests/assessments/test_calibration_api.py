"""The calibration API: open, rate, close, and the agreement withheld until one has rated."""

import pytest

from custos.assessments import calibration
from custos.assessments.models import CalibrationExercise, CalibrationRating
from custos.audit.models import AuditEntry

from ..factories import user_with_role
from .test_api import api_as
from .test_calibration import CODE, all_items

CALIBRATION = "/api/v1/calibration/"




@pytest.fixture
def opened(lead, cellshare):
    return calibration.exercise_create(acting_user=lead, instrument=cellshare,
                                       title="Vignette A", vignette="A man of 24…")


def rating(instrument, value=1, judgement=2):
    return {"ratings": all_items(instrument, lambda code: value), "judgement": judgement}


def test_an_exercise_is_opened_rated_read_and_closed_through_the_api(lead, cellshare, raters):
    boss = api_as(lead)
    made = boss.post(CALIBRATION, {"instrument": cellshare.pk, "title": "Vignette B",
                                   "vignette": "A woman of 31…"}, format="json")
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["is_open"] and made.json()["instrument_code"] == CODE
    assert [row["id"] for row in boss.get(CALIBRATION).json()["results"]] == [pk]

    for rater, value in zip(raters, (1, 1, 2), strict=True):
        rated = api_as(rater).post(f"{CALIBRATION}{pk}/rate/", rating(cellshare, value),
                                   format="json")
        assert rated.status_code == 201, rated.json()
        assert rated.json()["ratings"]["CS1"] == value
    assert CalibrationRating.objects.filter(exercise_id=pk).count() == 3

    views_before = AuditEntry.objects.filter(action="calibration.view").count()
    results = api_as(raters[0]).get(f"{CALIBRATION}{pk}/results/")
    assert results.status_code == 200, results.json()
    report = results.json()["report"]
    assert results.json()["ratings"] == 3
    assert report["items"][0]["code"] == "CS1"
    assert report["items"][0]["modal_share"] == pytest.approx(2 / 3)
    assert {a["username"]: a["share"] for a in report["assessors"]} == {
        "amina": 1.0, "karim": 1.0, "salma": 0.0}
    assert [group["scale"] for group in report["within"]] == ["presence"]
    assert AuditEntry.objects.filter(action="calibration.view").count() == views_before + 1

    closed = boss.post(f"{CALIBRATION}{pk}/close/", format="json")
    assert closed.status_code == 200 and closed.json()["is_open"] is False
    assert boss.get(f"{CALIBRATION}{pk}/").json()["closed_at"]


def test_the_agreement_is_withheld_from_an_assessor_who_has_not_rated(opened, cellshare,
                                                                       raters, lead):
    for rater in raters[:2]:
        calibration.rating_submit(acting_user=rater, exercise=opened,
                                  ratings=all_items(cellshare, lambda code: 1), judgement=2)
    url = f"{CALIBRATION}{opened.pk}/results/"
    denials = AuditEntry.objects.filter(action="access.denied").count()

    refused = api_as(raters[2]).get(url)

    assert refused.status_code == 403
    assert "Rate this vignette first" in refused.json()["detail"]
    assert AuditEntry.objects.filter(action="access.denied").count() == denials + 1
    assert not AuditEntry.objects.filter(action="calibration.view",
                                         actor=raters[2]).exists()
    assert api_as(lead).get(url).json()["report"]["ratings"] == 2  # the lead may close it
    assert api_as(raters[0]).get(url).status_code == 200
    calibration.exercise_close(acting_user=lead, exercise=opened)
    assert api_as(raters[2]).get(url).status_code == 200  # closed: nobody rates any more


def test_below_two_ratings_there_is_no_report_yet(opened, cellshare, raters):
    calibration.rating_submit(acting_user=raters[0], exercise=opened,
                              ratings=all_items(cellshare, lambda code: 1), judgement=2)

    body = api_as(raters[0]).get(f"{CALIBRATION}{opened.pk}/results/").json()

    assert body == {"exercise": opened.pk, "ratings": 1, "report": None}


def test_an_uncertified_assessor_is_refused_naming_the_field(opened, cellshare, facility):
    stranger = user_with_role("assessor", facility, username="uncertified")

    refused = api_as(stranger).post(f"{CALIBRATION}{opened.pk}/rate/", rating(cellshare),
                                    format="json")

    assert refused.status_code == 400
    assert refused.json()["field"] == "assessor" and "certified" in refused.json()["detail"]
    assert not CalibrationRating.objects.exists()


def test_a_second_rating_is_refused_and_the_first_stays(opened, cellshare, raters):
    client = api_as(raters[0])
    assert client.post(f"{CALIBRATION}{opened.pk}/rate/", rating(cellshare, 1),
                       format="json").status_code == 201

    again = client.post(f"{CALIBRATION}{opened.pk}/rate/", rating(cellshare, 0, 1),
                        format="json")

    assert again.status_code == 400 and again.json()["field"] == "assessor"
    kept = CalibrationRating.objects.get(exercise=opened)
    assert kept.ratings["CS1"] == 1 and kept.judgement == 2


def test_a_closed_exercise_answers_409_and_takes_nothing(opened, cellshare, raters, lead):
    calibration.exercise_close(acting_user=lead, exercise=opened)
    entries = AuditEntry.objects.filter(action__startswith="calibration.").count()

    refused = api_as(raters[0]).post(f"{CALIBRATION}{opened.pk}/rate/", rating(cellshare),
                                     format="json")
    closed_again = api_as(lead).post(f"{CALIBRATION}{opened.pk}/close/", format="json")

    assert refused.status_code == 409 and closed_again.status_code == 409
    assert not CalibrationRating.objects.exists()
    assert AuditEntry.objects.filter(action__startswith="calibration.").count() == entries


def test_an_out_of_scale_rating_is_refused_naming_the_item(opened, cellshare, raters):
    body = rating(cellshare)
    body["ratings"]["CS4"] = 7

    refused = api_as(raters[0]).post(f"{CALIBRATION}{opened.pk}/rate/", body, format="json")

    assert refused.status_code == 400
    assert refused.json()["field"] == "CS4" and "CS4" in refused.json()["detail"]
    assert not CalibrationRating.objects.exists()


def test_only_the_lead_or_a_certifier_closes_and_a_partner_is_refused(opened, raters,
                                                                       facility):
    refused = api_as(raters[0]).post(f"{CALIBRATION}{opened.pk}/close/", format="json")
    partner = api_as(user_with_role("partner", facility, username="partner"))

    assert refused.status_code == 400 and refused.json()["field"] == "closed_at"
    assert partner.get(CALIBRATION).status_code == 403
    assert partner.post(CALIBRATION, {"title": "x"}, format="json").status_code == 403
    assert CalibrationExercise.objects.get(pk=opened.pk).is_open
    assert CalibrationExercise.objects.count() == 1


def test_a_blank_vignette_is_refused_naming_the_field(lead, cellshare):
    refused = api_as(lead).post(CALIBRATION, {"instrument": cellshare.pk, "title": "T",
                                              "vignette": "   "}, format="json")

    assert refused.status_code == 400 and refused.json()["field"] == "vignette"
    assert not CalibrationExercise.objects.exists()
