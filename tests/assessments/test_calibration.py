"""Calibration exercises: certified assessors rate one vignette; Fleiss' kappa per item."""

import numpy as np
import pytest
from django.urls import reverse
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from custos.access.policy import AccessDenied
from custos.assessments import calibration
from custos.assessments.instruments import items_of
from custos.assessments.models import CalibrationRating
from custos.audit.models import AuditEntry
from custos.core.errors import InvalidInput, InvalidTransition

from ..factories import user_with_role
from .test_workflow import certified, load

CODE = "CUSTOS-CELLSHARE"




def exercise(lead, instrument, title="Vignette A"):
    return calibration.exercise_create(acting_user=lead, instrument=instrument, title=title,
                                       vignette="A man of 24, convicted of financing…")


def all_items(instrument, value_of):
    return {item["code"]: value_of(item["code"]) for item in items_of(instrument.definition)}


def test_an_exercise_is_created_and_audited(lead, cellshare):
    made = exercise(lead, cellshare)

    assert made.is_open and made.created_by == lead
    assert AuditEntry.objects.filter(action="calibration.create").exists()


def test_certified_assessors_rate_once_and_uncertified_ones_are_refused(
        lead, cellshare, raters, facility):
    made = exercise(lead, cellshare)
    for rater in raters:
        calibration.rating_submit(acting_user=rater, exercise=made,
                                  ratings=all_items(cellshare, lambda code: 1), judgement=2)
    assert CalibrationRating.objects.filter(exercise=made).count() == 3

    with pytest.raises(InvalidInput, match="already rated"):
        calibration.rating_submit(acting_user=raters[0], exercise=made,
                                  ratings=all_items(cellshare, lambda code: 0), judgement=1)
    stranger = user_with_role("assessor", facility, username="uncertified")
    with pytest.raises(InvalidInput, match="not certified"):
        calibration.rating_submit(acting_user=stranger, exercise=made,
                                  ratings=all_items(cellshare, lambda code: 1), judgement=2)
    partner = user_with_role("partner", facility, username="partner")
    with pytest.raises(AccessDenied):
        calibration.rating_submit(acting_user=partner, exercise=made,
                                  ratings=all_items(cellshare, lambda code: 1), judgement=2)


def test_a_missing_item_is_refused_by_name_and_no_rationale_is_asked(lead, cellshare, raters):
    made = exercise(lead, cellshare)
    ratings = all_items(cellshare, lambda code: 1)
    del ratings["CS4"]

    with pytest.raises(InvalidInput, match="CS4") as refused:
        calibration.rating_submit(acting_user=raters[0], exercise=made, ratings=ratings,
                                  judgement=2)
    assert refused.value.field == "CS4"
    with pytest.raises(InvalidInput, match="judgement"):
        calibration.rating_submit(acting_user=raters[0], exercise=made,
                                  ratings=all_items(cellshare, lambda code: 1), judgement=None)
    assert not CalibrationRating.objects.exists()


def test_a_closed_exercise_takes_no_rating(lead, cellshare, raters):
    made = exercise(lead, cellshare)
    calibration.exercise_close(acting_user=lead, exercise=made)

    with pytest.raises(InvalidTransition):
        calibration.rating_submit(acting_user=raters[0], exercise=made,
                                  ratings=all_items(cellshare, lambda code: 1), judgement=2)


def test_results_give_fleiss_kappa_per_item_as_statsmodels_does(lead, cellshare, raters):
    codes = [item["code"] for item in items_of(cellshare.definition)]
    rng = np.random.default_rng(7)
    table = rng.integers(0, 3, size=(4, len(raters), len(codes)))  # vignette × rater × item
    table[:, :, 0] = [[0, 0, 1], [2, 2, 2], [1, 0, 1], [2, 1, 2]]
    exercises = [exercise(lead, cellshare, title=f"Vignette {v}") for v in range(4)]
    for v, made in enumerate(exercises):
        for r, rater in enumerate(raters):
            calibration.rating_submit(
                acting_user=rater, exercise=made, judgement=1 + (v + r) % 3,
                ratings={code: int(table[v, r, i]) for i, code in enumerate(codes)})

    report = calibration.results(user=lead, exercise=exercises[0])

    assert report["vignettes"] == 4 and report["raters"] == 3
    for i, item in enumerate(report["items"]):
        counts, _ = aggregate_raters(table[:, :, i], n_cat=3)
        expected = sm_fleiss_kappa(counts, method="fleiss")
        if item["kappa"].value is not None:
            assert item["kappa"].value == pytest.approx(expected)
            assert item["kappa"].ci_low <= item["kappa"].value <= item["kappa"].ci_high
            assert item["kappa"].band
    assert report["items"][0]["kappa"].value == pytest.approx(
        sm_fleiss_kappa(aggregate_raters(table[:, :, 0], n_cat=3)[0]))
    judgements = np.array([[1 + (v + r) % 3 for r in range(3)] for v in range(4)])
    assert report["judgement"].value == pytest.approx(
        sm_fleiss_kappa(aggregate_raters(judgements - 1, n_cat=3)[0]))
    first = report["assessors"]
    assert {a["assessor"] for a in first} == set(raters)
    assert all(0 <= a["share"] <= 1 and a["items"] == 4 * len(codes) for a in first)


def test_modal_agreement_per_assessor(lead, cellshare, raters):
    made = exercise(lead, cellshare)
    for rater, value in zip(raters, (1, 1, 2), strict=True):
        calibration.rating_submit(acting_user=rater, exercise=made,
                                  ratings=all_items(cellshare, lambda code, v=value: v),
                                  judgement=2)
    report = calibration.results(user=lead, exercise=made)

    shares = {a["assessor"].username: a["share"] for a in report["assessors"]}
    assert shares == {"amina": 1.0, "karim": 1.0, "salma": 0.0}
    assert report["items"][0]["modal_share"] == pytest.approx(2 / 3)
    assert report["items"][0]["kappa"].value is None  # one vignette: kappa needs two


def test_the_page_shows_the_vignette_and_accepts_a_rating(client, lead, cellshare, raters):
    made = exercise(lead, cellshare)
    url = reverse("assessments:calibration_exercise", args=[made.pk])
    client.force_login(raters[0])

    page = client.get(url)
    assert page.status_code == 200
    assert "A man of 24" in page.content.decode()
    assert 'name="CS1__value"' in page.content.decode()

    data = {f"{code}__value": "1" for code in all_items(cellshare, lambda c: 1)}
    data.update({"judgement": "2", "step": "rate"})
    response = client.post(url, data)
    assert response.status_code == 302
    assert CalibrationRating.objects.get(exercise=made, assessor=raters[0]).ratings["CS1"] == 1

    missing = dict(data)
    del missing["CS3__value"]
    client.force_login(raters[1])
    refused = client.post(url, missing)
    assert refused.status_code == 400 and "CS3" in refused.content.decode()

    client.post(url, data)
    client.force_login(lead)
    shown = client.get(url).content.decode()
    assert "Agreement with the group" in shown and "Close the exercise" in shown
    assert client.post(url, {"step": "close"}).status_code == 302
    made.refresh_from_db()
    assert not made.is_open


def test_the_list_creates_an_exercise_and_a_partner_is_refused(client, lead, cellshare,
                                                               facility):
    client.force_login(lead)
    response = client.post(reverse("assessments:calibration"), {
        "instrument": cellshare.pk, "title": "Vignette B", "vignette": "A woman of 31…"})
    assert response.status_code == 302
    assert "Vignette B" in client.get(reverse("assessments:calibration")).content.decode()

    client.force_login(user_with_role("partner", facility, username="partner"))
    assert client.get(reverse("assessments:calibration")).status_code == 403


def _levels(instrument, scale):
    return [level["value"] for level in instrument.definition["scales"][scale]["levels"]]


def test_agreement_within_the_vignette_takes_the_items_as_subjects_per_scale(lead, facility):
    vern = load("ve-risk-needs.yaml")
    raters = [certified(name, facility, vern.code) for name in ("amina", "karim", "salma",
                                                                 "youssef")]
    items = list(items_of(vern.definition))
    rng = np.random.default_rng(11)
    made = exercise(lead, vern)
    given = {}  # rater → item → value
    for r, rater in enumerate(raters):
        given[r] = {item["code"]: int(rng.choice(_levels(vern, item["scale"])))
                    for item in items}
        calibration.rating_submit(acting_user=rater, exercise=made, ratings=given[r],
                                  judgement=_levels(vern, "overall")[r % 2])

    report = calibration.results(user=lead, exercise=made)

    scales = {}
    for item in items:
        scales.setdefault(item["scale"], []).append(item["code"])
    expected_groups = {scale for scale, codes in scales.items() if len(codes) >= 2}
    assert {group["scale"] for group in report["within"]} == expected_groups == {"presence",
                                                                                 "need"}
    for group in report["within"]:
        assert group["items"] == scales[group["scale"]]
        levels = _levels(vern, group["scale"])
        matrix = np.array([[levels.index(given[r][code]) for r in range(len(raters))]
                           for code in group["items"]])  # item × rater
        counts, _ = aggregate_raters(matrix, n_cat=len(levels))
        kappa = group["kappa"]
        assert kappa.value == pytest.approx(sm_fleiss_kappa(counts, method="fleiss"))
        assert (kappa.n, kappa.raters) == (len(group["items"]), len(raters))
        assert kappa.ci_low <= kappa.value <= kappa.ci_high and kappa.band


def test_agreement_within_the_vignette_is_perfect_when_everyone_rates_alike(
        lead, cellshare, raters):
    made = exercise(lead, cellshare)
    pattern = {code: i % 3 for i, code in enumerate(all_items(cellshare, lambda c: 0))}
    for rater in raters:
        calibration.rating_submit(acting_user=rater, exercise=made, ratings=dict(pattern),
                                  judgement=2)

    within = calibration.results(user=lead, exercise=made)["within"]

    assert [group["scale"] for group in within] == ["presence"]  # "decision" rates no item
    assert within[0]["kappa"].value == pytest.approx(1.0)
    assert within[0]["kappa"].band == "almost_perfect"


def test_the_page_shows_the_agreement_within_the_vignette(client, lead, cellshare, raters):
    made = exercise(lead, cellshare)
    for rater, value in zip(raters, (0, 1, 2), strict=True):
        calibration.rating_submit(acting_user=rater, exercise=made,
                                  ratings=all_items(cellshare, lambda code, v=value: v),
                                  judgement=2)
    client.force_login(lead)

    shown = client.get(reverse("assessments:calibration_exercise", args=[made.pk]))

    assert "Agreement within this vignette" in shown.content.decode()
    assert "across the items of this case" in shown.content.decode()
