"""Reliability statistics against reference implementations on the same data.

References: scikit-learn (Cohen's kappa), statsmodels (kappa standard error, Fleiss' kappa),
Shrout & Fleiss (1979) Table 2 and a two-way ANOVA written here (ICC). Pure functions: no
database.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats import inter_rater

from custos.assessments import reliability as rel

SCALE = ["low", "moderate", "high", "very_high"]

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8],
                          [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float)
# Published point values (Table 4) and, for the intervals, the values R's psych::ICC
# reports for the same data (it implements the same Shrout & Fleiss / McGraw & Wong bounds).
PUBLISHED = {"ICC(1,1)": (0.17, -0.133, 0.72), "ICC(2,1)": (0.29, 0.019, 0.76),
             "ICC(3,1)": (0.71, 0.342, 0.95), "ICC(1,k)": (0.44, -0.884, 0.91),
             "ICC(2,k)": (0.62, 0.071, 0.93), "ICC(3,k)": (0.91, 0.676, 0.99)}

# Fleiss' kappa worked example (14 raters, 10 subjects, 5 categories): kappa = 0.210.
FLEISS_TABLE = np.array([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
                         [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
                         [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])


def correlated_pairs(n: int, seed: int, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, k, n)
    b = np.clip(a + rng.choice([-2, -1, 0, 0, 0, 1, 2], n), 0, k - 1)
    return a, b


def table_of(a, b, k: int) -> np.ndarray:
    table = np.zeros((k, k))
    np.add.at(table, (a, b), 1)
    return table


# --------------------------------------------------------------------------- Cohen

@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_kappa_matches_sklearn_and_statsmodels(weights, seed):
    a, b = correlated_pairs(250, seed)
    estimate = rel.weighted_kappa(a, b, categories=range(4), weights=weights)
    assert estimate.value == pytest.approx(cohen_kappa_score(a, b, weights=weights), abs=1e-12)
    # statsmodels reports the Fleiss, Cohen & Everitt (1969) large-sample variance.
    kw = {"wt": weights} if weights else {}
    reference = inter_rater.cohens_kappa(table_of(a, b, 4), return_results=True, **kw)
    assert estimate.value == pytest.approx(reference.kappa, abs=1e-12)
    assert estimate.se == pytest.approx(reference.std_kappa, rel=1e-9)
    z = 1.959963984540054
    assert estimate.ci_low == pytest.approx(estimate.value - z * estimate.se)
    assert estimate.ci_high == pytest.approx(min(1.0, estimate.value + z * estimate.se))
    assert (estimate.n, estimate.raters) == (250, 2)
    assert estimate.method == ("cohen_kappa" if weights is None else f"cohen_kappa_{weights}")


def test_weighted_kappa_uses_category_order_and_labels():
    a = ["low", "high", "moderate", "very_high", "low", "moderate"]
    b = ["moderate", "high", "moderate", "high", "low", "low"]
    estimate = rel.weighted_kappa(a, b, categories=SCALE, weights="linear")
    assert estimate.value == pytest.approx(
        cohen_kappa_score(a, b, labels=SCALE, weights="linear"))


def test_kappa_unused_categories_change_weights_as_in_sklearn():
    a, b = [0, 1, 1, 0, 1], [0, 1, 0, 0, 1]
    estimate = rel.weighted_kappa(a, b, categories=[0, 1, 2, 3], weights="quadratic")
    assert estimate.value == pytest.approx(
        cohen_kappa_score(a, b, labels=[0, 1, 2, 3], weights="quadratic"))


def test_landis_koch_bands():
    assert [rel.kappa_band(v) for v in (-0.1, 0.0, 0.2, 0.35, 0.5, 0.7, 0.81, 1.0, None)] == [
        "poor", "slight", "slight", "fair", "moderate", "substantial", "almost_perfect",
        "almost_perfect", None]
    assert [rel.icc_band(v) for v in (0.3, 0.5, 0.8, 0.95)] == [
        "poor", "moderate", "good", "excellent"]


def test_kappa_undefined_when_everything_is_one_category():
    estimate = rel.weighted_kappa(["low"] * 5, ["low"] * 5, categories=SCALE)
    assert estimate.value is None and estimate.ci_low is None and estimate.band is None
    assert "one category" in estimate.reason
    assert not estimate.defined


def test_kappa_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="at least 2 subjects"):
        rel.weighted_kappa(["low"], ["high"], categories=SCALE)
    with pytest.raises(ValueError, match="different numbers"):
        rel.weighted_kappa(["low", "high"], ["high"], categories=SCALE)
    with pytest.raises(ValueError, match="'extreme' is not on the scale"):
        rel.weighted_kappa(["low", "extreme"], ["high", "low"], categories=SCALE)
    with pytest.raises(ValueError, match="weights"):
        rel.weighted_kappa(["low", "high"], ["high", "low"], categories=SCALE, weights="cubic")
    with pytest.raises(ValueError, match="two categories"):
        rel.weighted_kappa(["low", "low"], ["low", "low"], categories=["low"])


ratings = st.integers(min_value=0, max_value=3)
pair_lists = st.lists(st.tuples(ratings, ratings), min_size=2, max_size=60)
weight_options = st.sampled_from([None, "linear", "quadratic"])


@settings(max_examples=150)
@given(pair_lists, weight_options)
def test_kappa_properties(pairs, weights):
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    estimate = rel.weighted_kappa(a, b, categories=range(4), weights=weights)
    swapped = rel.weighted_kappa(b, a, categories=range(4), weights=weights)
    if estimate.value is None:
        assert swapped.value is None and estimate.reason
        return
    assert -1.0 <= estimate.value <= 1.0
    assert estimate.ci_low <= estimate.value <= estimate.ci_high
    assert -1.0 <= estimate.ci_low and estimate.ci_high <= 1.0
    assert swapped.value == pytest.approx(estimate.value, abs=1e-12)
    assert swapped.se == pytest.approx(estimate.se, abs=1e-6)  # sqrt of rounding noise near 0
    assert estimate.value == pytest.approx(
        cohen_kappa_score(a, b, labels=[0, 1, 2, 3], weights=weights), abs=1e-9)


@settings(max_examples=100)
@given(st.lists(ratings, min_size=2, max_size=60), weight_options)
def test_kappa_of_identical_ratings_is_one_when_defined(a, weights):
    estimate = rel.weighted_kappa(a, a, categories=range(4), weights=weights)
    if len(set(a)) == 1:
        assert estimate.value is None
    else:
        assert estimate.value == pytest.approx(1.0)
        assert estimate.ci_low == pytest.approx(1.0) and estimate.ci_high == pytest.approx(1.0)


# --------------------------------------------------------------------------- Fleiss

def test_fleiss_kappa_worked_example_and_statsmodels():
    estimate = rel.fleiss_kappa(FLEISS_TABLE)
    assert estimate.value == pytest.approx(0.2099, abs=1e-4)
    assert estimate.value == pytest.approx(inter_rater.fleiss_kappa(FLEISS_TABLE), abs=1e-12)
    assert (estimate.n, estimate.raters, estimate.band) == (10, 14, "fair")
    assert estimate.ci_low < estimate.value < estimate.ci_high
    assert set(estimate.by_category) == {0, 1, 2, 3, 4}


@pytest.mark.parametrize("seed", range(4))
def test_fleiss_kappa_from_ratings_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, 40)
    noise = rng.choice([-1, 0, 0, 0, 1], (40, 9))
    codes = np.clip(truth[:, None] + noise, 0, 3)
    labels = np.array(SCALE)[codes]
    estimate = rel.fleiss_kappa(ratings=labels, categories=SCALE)
    counts, _ = inter_rater.aggregate_raters(codes, n_cat=4)
    assert estimate.value == pytest.approx(inter_rater.fleiss_kappa(counts), abs=1e-12)
    assert estimate.raters == 9 and estimate.n == 40
    # A per-category kappa is Fleiss' kappa of the table collapsed to "j / not j".
    for j, label in enumerate(SCALE):
        collapsed = np.column_stack([counts[:, j], 9 - counts[:, j]])
        assert estimate.by_category[label].value == pytest.approx(
            inter_rater.fleiss_kappa(collapsed), abs=1e-12)


def test_fleiss_per_category_kappa_formula():
    # Fleiss (1971): kappa_j = 1 - sum_i n_ij (m - n_ij) / (N m (m - 1) p_j q_j)
    n, m = FLEISS_TABLE.shape[0], 14
    estimate = rel.fleiss_kappa(FLEISS_TABLE)
    for j in range(5):
        col = FLEISS_TABLE[:, j]
        p = col.sum() / (n * m)
        expected = 1 - (col * (m - col)).sum() / (n * m * (m - 1) * p * (1 - p))
        assert estimate.by_category[j].value == pytest.approx(expected)


def test_fleiss_interval_agrees_with_jackknife():
    """Gwet's linearised variance is asymptotically the jackknife variance over subjects."""
    rng = np.random.default_rng(11)
    truth = rng.integers(0, 4, 400)
    codes = np.clip(truth[:, None] + rng.choice([-1, 0, 0, 1], (400, 6)), 0, 3)
    counts, _ = inter_rater.aggregate_raters(codes, n_cat=4)
    estimate = rel.fleiss_kappa(counts)
    leave_one_out = np.array([inter_rater.fleiss_kappa(np.delete(counts, i, axis=0))
                              for i in range(len(counts))])
    n = len(counts)
    jackknife_se = np.sqrt((n - 1) / n * ((leave_one_out - leave_one_out.mean()) ** 2).sum())
    assert estimate.se == pytest.approx(jackknife_se, rel=0.05)


def test_fleiss_degenerate_and_bad_input():
    everyone_agrees = rel.fleiss_kappa(np.array([[5, 0], [5, 0], [5, 0]]))
    assert everyone_agrees.value is None and everyone_agrees.reason
    assert everyone_agrees.by_category[1].value is None
    with pytest.raises(ValueError, match="at least 2 subjects"):
        rel.fleiss_kappa(np.array([[3, 2]]))
    with pytest.raises(ValueError, match="same number of raters"):
        rel.fleiss_kappa(np.array([[3, 2], [1, 1]]))
    with pytest.raises(ValueError, match="either"):
        rel.fleiss_kappa(FLEISS_TABLE, ratings=[[0, 1]], categories=[0, 1])
    with pytest.raises(ValueError, match="not on the scale"):
        rel.fleiss_kappa(ratings=[["low", "odd"], ["low", "high"]], categories=SCALE)


@settings(max_examples=100)
@given(st.lists(st.lists(ratings, min_size=3, max_size=3), min_size=2, max_size=30))
def test_fleiss_properties(rows):
    estimate = rel.fleiss_kappa(ratings=rows, categories=range(4))
    if estimate.value is None:
        assert len({r for row in rows for r in row}) == 1
        return
    assert -1.0 <= estimate.value <= 1.0
    assert estimate.ci_low <= estimate.value <= estimate.ci_high
    assert estimate.value == pytest.approx(
        inter_rater.fleiss_kappa(inter_rater.aggregate_raters(np.array(rows), n_cat=4)[0]),
        abs=1e-9)


# --------------------------------------------------------------------------- ICC

@pytest.mark.parametrize("form", rel.ICC_FORMS)
def test_icc_shrout_fleiss_table_2(form):
    value, low, high = PUBLISHED[form]
    estimate = rel.icc(SHROUT_FLEISS, form=form)
    assert round(estimate.value, 2) == value
    assert estimate.ci_low == pytest.approx(low, abs=0.0015)
    assert estimate.ci_high == pytest.approx(high, abs=0.006)
    assert (estimate.n, estimate.raters) == (6, 4)


def anova(x: np.ndarray) -> dict[str, float]:
    """Two-way ANOVA without interaction by least squares on a dummy-coded design."""
    n, k = x.shape
    y = x.ravel()
    subject = np.repeat(np.arange(n), k)
    rater = np.tile(np.arange(k), n)
    ones = np.ones((n * k, 1))
    subjects = (subject[:, None] == np.arange(1, n)).astype(float)
    raters = (rater[:, None] == np.arange(1, k)).astype(float)

    def rss(design):
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        return float(((y - design @ beta) ** 2).sum())

    rss_full = rss(np.hstack([ones, subjects, raters]))
    rss_no_subject = rss(np.hstack([ones, raters]))
    rss_no_rater = rss(np.hstack([ones, subjects]))
    return {"MSR": (rss_no_subject - rss_full) / (n - 1),
            "MSC": (rss_no_rater - rss_full) / (k - 1),
            "MSE": rss_full / ((n - 1) * (k - 1)),
            "MSW": rss_no_rater / (n * (k - 1))}


@pytest.mark.parametrize("seed", range(3))
def test_icc_against_direct_anova(seed):
    rng = np.random.default_rng(seed)
    n, k = 30, 3
    x = rng.normal(size=(n, 1)) * 2 + rng.normal(size=(1, k)) + rng.normal(size=(n, k))
    ms = anova(x)
    msr, msc, mse, msw = ms["MSR"], ms["MSC"], ms["MSE"], ms["MSW"]
    expected = {
        "ICC(1,1)": (msr - msw) / (msr + (k - 1) * msw),
        "ICC(2,1)": (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n),
        "ICC(3,1)": (msr - mse) / (msr + (k - 1) * mse),
        "ICC(1,k)": (msr - msw) / msr,
        "ICC(2,k)": (msr - mse) / (msr + (msc - mse) / n),
        "ICC(3,k)": (msr - mse) / msr,
    }
    for form, value in expected.items():
        estimate = rel.icc(x, form=form)
        assert estimate.value == pytest.approx(value, rel=1e-9), form
        assert estimate.ci_low <= estimate.value <= estimate.ci_high


def test_icc_degenerate_and_bad_input():
    assert rel.icc([[3, 3], [3, 3], [3, 3]]).value is None
    perfect = rel.icc([[1, 1], [2, 2], [5, 5]], form="ICC(3,1)")
    assert (perfect.value, perfect.ci_low, perfect.ci_high) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="at least 2 subjects"):
        rel.icc([[1, 2, 3]])
    with pytest.raises(ValueError, match="at least 2 raters"):
        rel.icc([[1], [2]])
    with pytest.raises(ValueError, match="complete"):
        rel.icc([[1, np.nan], [2, 3]])
    with pytest.raises(ValueError, match="form"):
        rel.icc(SHROUT_FLEISS, form="ICC(4,1)")


# --------------------------------------------------------------------------- service layer

def test_agreement_by_item_matches_per_item_kappa():
    rng = np.random.default_rng(3)
    pairs, expected = [], {}
    for item, noise in (("E1", 0), ("E2", 1), ("P1", 2)):
        a = rng.integers(0, 4, 80)
        b = np.clip(a + rng.integers(-noise, noise + 1, 80), 0, 3)
        pairs += [(item, SCALE[x], SCALE[y], SCALE) for x, y in zip(a, b, strict=True)]
        expected[item] = cohen_kappa_score(a, b, labels=[0, 1, 2, 3], weights="quadratic")
    pairs.append(("R1", "no", "yes", ("no", "yes")))  # one pair only: undefined, not an error
    result = rel.agreement_by_item(pairs)
    assert list(result) == ["E1", "E2", "P1", "R1"]
    for item, value in expected.items():
        assert result[item].value == pytest.approx(value)
    assert result["E1"].value == 1.0 and result["E1"].band == "almost_perfect"
    assert result["R1"].value is None and "fewer than 2" in result["R1"].reason
    with pytest.raises(ValueError, match="two different scales"):
        rel.agreement_by_item([("E1", "low", "low", SCALE), ("E1", "no", "no", ("no", "yes"))])


def test_agreement_overall_pools_all_items():
    pairs = [("E1", "low", "low", SCALE), ("E2", "high", "moderate", SCALE),
             ("E1", "very_high", "high", SCALE), ("E2", "low", "moderate", SCALE)]
    overall = rel.agreement_overall(pairs, weights=None)
    assert overall.value == pytest.approx(cohen_kappa_score(
        ["low", "high", "very_high", "low"], ["low", "moderate", "high", "moderate"],
        labels=SCALE))


def test_agreement_by_rater_is_each_rater_against_their_partners():
    pairs = [("ana", "ben", "low", "low", SCALE), ("ana", "cleo", "high", "high", SCALE),
             ("ben", "cleo", "low", "very_high", SCALE), ("cleo", "ana", "moderate", "high",
                                                          SCALE),
             ("ben", "ana", "very_high", "very_high", SCALE)]
    result = rel.agreement_by_rater(pairs)
    ana_own = ["low", "high", "high", "very_high"]
    ana_partner = ["low", "high", "moderate", "very_high"]
    assert result["ana"].value == pytest.approx(
        cohen_kappa_score(ana_own, ana_partner, labels=SCALE, weights="quadratic"))
    assert result["ana"].n == 4 and result["ana"].raters == 3
    assert result["ben"].n == 3 and result["cleo"].n == 3
    codes = {s: i for i, s in enumerate(SCALE)}
    arrays = rel.kappa_by_rater([p[0] for p in pairs], [p[1] for p in pairs],
                                [codes[p[2]] for p in pairs], [codes[p[3]] for p in pairs],
                                categories=range(4))
    assert {k: v.value for k, v in arrays.items()} == pytest.approx(
        {k: v.value for k, v in result.items()})


def test_estimate_is_frozen():
    estimate = rel.weighted_kappa([0, 1, 1], [0, 1, 0], categories=[0, 1])
    with pytest.raises(AttributeError):
        estimate.value = 1.0
