"""Inter-rater reliability statistics for structured professional judgement instruments.

Pure functions: no database, no Django, only numpy and scipy. The assessment service feeds
them ratings it has read; the reliability view shows the resulting :class:`Estimate` values
to the assessment lead ("are our assessments reliable, and which items or assessors are
not?").

Statistics and the confidence intervals chosen
----------------------------------------------
* :func:`weighted_kappa` — Cohen's kappa for two raters on an ordinal scale, unweighted,
  linear or quadratic agreement weights. The 95% interval is the Wald interval
  kappa ± z·SE with the *large-sample (non-null) standard error* of Fleiss, Cohen & Everitt
  (1969), "Large sample standard errors of kappa and weighted kappa", Psychol. Bull. 72:323:

      Var(κw) = [ Σij pij (wij − (w̄i· + w̄·j)(1 − κw))² − (κw − pe(1 − κw))² ]
                / (n (1 − pe)²)

  with agreement weights wij (1 on the diagonal), w̄i· = Σj p·j wij, w̄·j = Σi pi· wij.
  With identity weights it is the standard error of unweighted kappa. It is the variance
  SAS PROC FREQ and ``statsmodels.stats.inter_rater.cohens_kappa`` report, and the tests
  check it against the latter. The standard error *under the null* (κ = 0) is meant for
  testing "better than chance", not for an interval around an observed kappa, so it is
  not used.
* :func:`fleiss_kappa` — Fleiss' (1971) kappa for many raters (calibration exercises:
  many assessors rate the same vignettes), with per-category kappas. The interval uses the
  *non-null*, linearisation-based variance of Gwet (2008), "Variance estimation of
  nominal-scale inter-rater reliability with random selection of raters", Psychometrika
  73:407 (the method of the irrCAC package), with Student's t on n − 1 degrees of freedom,
  since calibration exercises have few vignettes. The better-known asymptotic variance of
  Fleiss, Nee & Landis (1979) holds only under the null hypothesis κ = 0, so an interval
  built on it is wrong exactly when agreement is good; it is therefore not used for the
  interval. Both are analytic (no bootstrap), so the results are deterministic. A
  per-category kappa is Fleiss' kappa of the table collapsed to "this category / any
  other", so it gets its interval the same way.
* :func:`icc` — intraclass correlation for numeric scores (subjects × raters, complete),
  forms ICC(1,1), ICC(2,1), ICC(3,1) and their k-rater averages, from the one- and two-way
  ANOVA mean squares, with the F-distribution intervals of Shrout & Fleiss (1979) and
  McGraw & Wong (1996) (Satterthwaite degrees of freedom for ICC(2,·)). For prisoners rated
  by two assessors drawn from a pool, each prisoner has a different pair of raters: that
  is Shrout & Fleiss case 1, ICC(1,1).

Interpretation bands are codes, not UI text: Landis & Koch (1977) for kappa
(``poor`` < 0 ≤ ``slight`` ≤ .20 < ``fair`` ≤ .40 < ``moderate`` ≤ .60 < ``substantial``
≤ .80 < ``almost_perfect``) and Koo & Li (2016) for ICC (``poor`` < .50 ≤ ``moderate`` <
.75 ≤ ``good`` < .90 ≤ ``excellent``). The band is that of the point estimate; with few
subjects the interval is the better guide, which is why it is always returned.

Degenerate data: when chance agreement is total (every rating in one category), kappa is
0/0 — the estimate then has ``value=None`` and a ``reason``; it is never NaN. Fewer than
two subjects is a :class:`ValueError` from the single-estimate functions; the batch
functions (per item, per rater) instead return an undefined estimate for that group so
that one sparse item does not hide the others.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import stats

__all__ = [
    "ICC_FORMS",
    "Estimate",
    "agreement_by_item",
    "agreement_by_rater",
    "agreement_overall",
    "fleiss_kappa",
    "icc",
    "icc_band",
    "kappa_band",
    "kappa_by_group",
    "kappa_by_rater",
    "weighted_kappa",
]

Weights = Literal["quadratic", "linear"] | None
ICC_FORMS = ("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)")
UNDEFINED_CHANCE = "all ratings fall in one category: chance agreement is total, kappa is 0/0"
TOO_FEW = "fewer than 2 subjects"


@dataclass(frozen=True)
class Estimate:
    """One reliability coefficient with its confidence interval.

    ``n`` counts subjects (assessments, vignettes or rating pairs), ``raters`` the raters
    involved. ``value`` (and the interval) is None when the coefficient is undefined for
    these data; ``reason`` then says why. ``band`` is an interpretation code (see the module
    docstring). ``by_category`` holds per-category estimates where the method has them
    (Fleiss' kappa).
    """

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    raters: int
    method: str
    band: str | None
    se: float | None = None
    confidence: float = 0.95
    reason: str | None = None
    by_category: Mapping[Any, Estimate] = field(default_factory=dict, compare=False)

    @property
    def defined(self) -> bool:
        return self.value is not None


# --------------------------------------------------------------------------- bands

def kappa_band(value: float | None) -> str | None:
    """Landis & Koch (1977) band of a kappa, as a code."""
    if value is None:
        return None
    if value < 0:
        return "poor"
    for upper, code in ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"),
                        (0.80, "substantial")):
        if value <= upper:
            return code
    return "almost_perfect"


def icc_band(value: float | None) -> str | None:
    """Koo & Li (2016) band of an intraclass correlation, as a code."""
    if value is None:
        return None
    for upper, code in ((0.50, "poor"), (0.75, "moderate"), (0.90, "good")):
        if value < upper:
            return code
    return "excellent"


def _undefined(n: int, raters: int, method: str, reason: str,
               confidence: float = 0.95) -> Estimate:
    return Estimate(None, None, None, n, raters, method, None, None, confidence, reason)


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, not {confidence}")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _clip(x: float, low: float = -1.0, high: float = 1.0) -> float:
    return float(min(high, max(low, x)))


# --------------------------------------------------------------------------- coding

def _categories(categories: Sequence[Hashable]) -> list:
    cats = list(categories)
    if len(cats) < 2:
        raise ValueError("a rating scale needs at least two categories")
    if len(set(cats)) != len(cats):
        raise ValueError(f"categories repeat a value: {cats!r}")
    return cats


def _codes(values: Any, categories: list) -> np.ndarray:
    """Positions of ``values`` in the ordered ``categories``; ValueError for a stray one."""
    arr = np.asarray(values)
    cats = np.asarray(categories)
    if arr.dtype != object and cats.dtype != object and arr.dtype.kind == cats.dtype.kind:
        order = np.argsort(cats, kind="stable")
        pos = np.searchsorted(cats[order], arr)
        pos = np.clip(pos, 0, len(cats) - 1)
        codes = order[pos]
        bad = cats[codes] != arr
        if bad.any():
            stray = arr[bad].flat[0].item()
            raise ValueError(f"rating {stray!r} is not on the scale {categories!r}")
        return codes.astype(np.intp)
    index = {c: i for i, c in enumerate(categories)}
    try:
        return np.fromiter((index[v] for v in arr.ravel().tolist()), dtype=np.intp,
                           count=arr.size).reshape(arr.shape)
    except KeyError as error:
        raise ValueError(f"rating {error.args[0]!r} is not on the scale {categories!r}") from None


def _agreement_weights(k: int, weights: Weights) -> np.ndarray:
    d = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / (k - 1)
    if weights is None:
        return np.eye(k)
    if weights == "linear":
        return 1.0 - d
    if weights == "quadratic":
        return 1.0 - d**2
    raise ValueError(f'weights must be "quadratic", "linear" or None, not {weights!r}')


def _method(weights: Weights) -> str:
    return "cohen_kappa" if weights is None else f"cohen_kappa_{weights}"


# --------------------------------------------------------------------------- Cohen

def _kappa_tables(tables: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Vectorised weighted kappa of G confusion tables (G, k, k): (kappa, se, n).

    Undefined kappas (total chance agreement, or no data) are NaN here and become
    ``value=None`` in the caller.
    """
    tables = np.asarray(tables, dtype=float)
    n = tables.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = tables / n[:, None, None]
        rows, cols = p.sum(axis=2), p.sum(axis=1)
        po = np.einsum("gij,ij->g", p, w)
        pe = np.einsum("gi,ij,gj->g", rows, w, cols)
        undefined = ~(1.0 - pe > 1e-12)
        kappa = np.where(undefined, np.nan, (po - pe) / (1.0 - pe))
        w_row = cols @ w.T            # w̄i· = Σj p·j wij
        w_col = rows @ w              # w̄·j = Σi pi· wij
        dev = w[None] - (w_row[:, :, None] + w_col[:, None, :]) * (1.0 - kappa)[:, None, None]
        var = ((p * dev**2).sum(axis=(1, 2)) - (kappa - pe * (1.0 - kappa)) ** 2) / (
            n * (1.0 - pe) ** 2)
    se = np.sqrt(np.clip(var, 0.0, None))
    return kappa, se, n


def _kappa_estimate(kappa: float, se: float, n: int, raters: int, method: str,
                    z: float, confidence: float) -> Estimate:
    if not np.isfinite(kappa):
        return _undefined(n, raters, method, UNDEFINED_CHANCE, confidence)
    value = _clip(kappa)
    return Estimate(value, _clip(value - z * se), _clip(value + z * se), n, raters, method,
                    kappa_band(value), float(se), confidence)


def weighted_kappa(a: Sequence[Hashable], b: Sequence[Hashable], *,
                   categories: Sequence[Hashable], weights: Weights = "quadratic",
                   confidence: float = 0.95) -> Estimate:
    """Cohen's kappa of two raters' ratings ``a`` and ``b`` of the same subjects.

    ``categories`` lists the scale in order (low to high); weights ``"quadratic"``,
    ``"linear"`` or None (unweighted, nominal). Interval: Fleiss, Cohen & Everitt (1969).
    """
    cats = _categories(categories)
    z = _z(confidence)
    ca, cb = _codes(a, cats).ravel(), _codes(b, cats).ravel()
    if ca.size != cb.size:
        raise ValueError(f"the two raters rated different numbers of subjects "
                         f"({ca.size} and {cb.size})")
    if ca.size < 2:
        raise ValueError(f"kappa needs at least 2 subjects rated by both raters, got {ca.size}")
    k = len(cats)
    table = np.bincount(ca * k + cb, minlength=k * k).reshape(1, k, k)
    kappa, se, n = _kappa_tables(table, _agreement_weights(k, weights))
    return _kappa_estimate(kappa[0], se[0], int(n[0]), 2, _method(weights), z, confidence)


def kappa_by_group(groups: Any, a: Any, b: Any, *, categories: Sequence[Hashable],
                   weights: Weights = "quadratic", confidence: float = 0.95,
                   raters: Mapping[Any, int] | None = None) -> dict[Any, Estimate]:
    """Weighted kappa per group, vectorised: one confusion table per group via bincount.

    ``groups``, ``a`` and ``b`` are parallel arrays (group label, rating of the first and of
    the second rater). A group with fewer than 2 pairs gets an undefined estimate rather
    than an exception. ``raters`` optionally gives the number of raters per group (default
    2).
    """
    cats = _categories(categories)
    z = _z(confidence)
    k = len(cats)
    ca, cb = _codes(a, cats).ravel(), _codes(b, cats).ravel()
    groups = np.asarray(groups).ravel()
    if not (groups.size == ca.size == cb.size):
        raise ValueError("groups, a and b must have the same length")
    labels, inverse = np.unique(groups, return_inverse=True)
    tables = np.bincount(inverse.ravel() * (k * k) + ca * k + cb,
                         minlength=labels.size * k * k).reshape(labels.size, k, k)
    kappa, se, n = _kappa_tables(tables, _agreement_weights(k, weights))
    method = _method(weights)
    result: dict[Any, Estimate] = {}
    for i, label in enumerate(labels.tolist()):
        count = int(n[i])
        r = 2 if raters is None else int(raters.get(label, 2))
        if count < 2:
            result[label] = _undefined(count, r, method, TOO_FEW, confidence)
        else:
            result[label] = _kappa_estimate(kappa[i], se[i], count, r, method, z, confidence)
    return result


def kappa_by_rater(rater_a: Any, rater_b: Any, a: Any, b: Any, *,
                   categories: Sequence[Hashable], weights: Weights = "quadratic",
                   confidence: float = 0.95) -> dict[Any, Estimate]:
    """Each rater's weighted kappa against everyone they were paired with, vectorised.

    Parallel arrays: the two raters of each pair and their ratings. Every pair counts for
    both of its raters (kappa is symmetric in the two raters). ``raters`` of an estimate is
    1 + the number of distinct partners.
    """
    rater_a, rater_b = np.asarray(rater_a).ravel(), np.asarray(rater_b).ravel()
    a, b = np.asarray(a).ravel(), np.asarray(b).ravel()
    who = np.concatenate([rater_a, rater_b])
    partner = np.concatenate([rater_b, rater_a])
    labels, who_i = np.unique(who, return_inverse=True)
    partner_i = np.searchsorted(labels, partner)
    distinct = np.unique(who_i.ravel() * labels.size + partner_i)
    partners = np.bincount(distinct // labels.size, minlength=labels.size)
    raters = {label: 1 + int(c) for label, c in zip(labels.tolist(), partners, strict=True)}
    return kappa_by_group(who, np.concatenate([a, b]), np.concatenate([b, a]),
                          categories=categories, weights=weights, confidence=confidence,
                          raters=raters)


# --------------------------------------------------------------------------- Fleiss

def _fleiss(table: np.ndarray, t: float, confidence: float,
            method: str = "fleiss_kappa") -> Estimate:
    n_subjects, _ = table.shape
    m = int(table[0].sum())
    N = float(n_subjects)
    p = table.sum(axis=0) / (N * m)                       # category proportions
    pe = float(np.dot(p, p))
    if 1.0 - pe <= 1e-12:
        return _undefined(n_subjects, m, method, UNDEFINED_CHANCE, confidence)
    agree_i = ((table * (table - 1)).sum(axis=1)) / (m * (m - 1))   # Pi
    pa = float(agree_i.mean())
    kappa = (pa - pe) / (1.0 - pe)
    # Gwet (2008): linearised per-subject contributions, non-null variance.
    kappa_i = (agree_i - pe) / (1.0 - pe)
    pe_i = (table @ p) / m
    kappa_star = kappa_i - 2.0 * (1.0 - kappa) * (pe_i - pe) / (1.0 - pe)
    var = float(((kappa_star - kappa) ** 2).sum() / (N * (N - 1)))
    se = float(np.sqrt(max(var, 0.0)))
    value = _clip(kappa)
    return Estimate(value, _clip(value - t * se), _clip(value + t * se), n_subjects, m,
                    method, kappa_band(value), se, confidence)


def fleiss_kappa(table: Any = None, /, *, ratings: Any = None,
                 categories: Sequence[Hashable] | None = None,
                 confidence: float = 0.95) -> Estimate:
    """Fleiss' kappa for many raters, with per-category kappas in ``by_category``.

    Give either ``table`` — counts, subjects × categories, every row summing to the same
    number of raters m ≥ 2 — or ``ratings`` — labels, subjects × raters — together with
    the ``categories`` of the scale. Interval: Gwet (2008) variance, t on n − 1 df.
    """
    if (table is None) == (ratings is None):
        raise ValueError("give either a count table or ratings=, not both or neither")
    if ratings is not None:
        if categories is None:
            raise ValueError("ratings= needs the categories of the scale")
        cats = _categories(categories)
        codes = _codes(ratings, cats)
        if codes.ndim != 2:
            raise ValueError("ratings must be a subjects × raters matrix")
        k = len(cats)
        rows = np.repeat(np.arange(codes.shape[0]), codes.shape[1])
        counts = np.zeros((codes.shape[0], k), dtype=float)
        np.add.at(counts, (rows, codes.ravel()), 1.0)
    else:
        counts = np.asarray(table, dtype=float)
        if counts.ndim != 2 or counts.shape[1] < 2:
            raise ValueError("the table must be subjects × categories, with ≥ 2 categories")
        if (counts < 0).any() or not np.array_equal(counts, np.round(counts)):
            raise ValueError("the table must hold non-negative whole counts")
        cats = list(categories) if categories is not None else list(range(counts.shape[1]))
        if len(cats) != counts.shape[1]:
            raise ValueError("categories do not match the table's columns")
    if counts.shape[0] < 2:
        raise ValueError(f"Fleiss' kappa needs at least 2 subjects, got {counts.shape[0]}")
    per_subject = counts.sum(axis=1)
    if not np.all(per_subject == per_subject[0]):
        raise ValueError("every subject must be rated by the same number of raters")
    if per_subject[0] < 2:
        raise ValueError("Fleiss' kappa needs at least 2 raters per subject")
    _z(confidence)
    t = float(stats.t.ppf(0.5 + confidence / 2, counts.shape[0] - 1))
    overall = _fleiss(counts, t, confidence)
    by_category = {}
    for j, label in enumerate(cats):
        collapsed = np.column_stack([counts[:, j], per_subject - counts[:, j]])
        by_category[label] = _fleiss(collapsed, t, confidence, "fleiss_kappa_category")
    return Estimate(overall.value, overall.ci_low, overall.ci_high, overall.n, overall.raters,
                    overall.method, overall.band, overall.se, confidence, overall.reason,
                    by_category)


# --------------------------------------------------------------------------- ICC

def _mean_squares(x: np.ndarray) -> tuple[float, float, float, float]:
    """MSR (subjects), MSC (raters), MSE (two-way residual), MSW (one-way within)."""
    n, k = x.shape
    grand = x.mean()
    ss_total = float(((x - grand) ** 2).sum())
    ss_rows = float(k * ((x.mean(axis=1) - grand) ** 2).sum())
    ss_cols = float(n * ((x.mean(axis=0) - grand) ** 2).sum())
    ss_err = max(ss_total - ss_rows - ss_cols, 0.0)
    return (ss_rows / (n - 1), ss_cols / (k - 1), ss_err / ((n - 1) * (k - 1)),
            (ss_cols + ss_err) / (n * (k - 1)))


def _f_bounds(f0: float, df1: float, df2: float, alpha: float) -> tuple[float, float]:
    """Shrout & Fleiss F_L, F_U for an observed F ratio."""
    if np.isinf(f0):
        return np.inf, np.inf
    return (f0 / stats.f.ppf(1 - alpha / 2, df1, df2),
            f0 * stats.f.ppf(1 - alpha / 2, df2, df1))


def _single(f: float, k: int) -> float:
    return 1.0 if np.isinf(f) else (f - 1.0) / (f + k - 1.0)


def _average(f: float) -> float:
    return 1.0 if np.isinf(f) else 1.0 - 1.0 / f


def icc(matrix: Any, *, form: str = "ICC(2,1)", confidence: float = 0.95) -> Estimate:
    """Intraclass correlation of a complete subjects × raters matrix of numeric scores.

    Forms (Shrout & Fleiss 1979; McGraw & Wong 1996 names in brackets):
    ICC(1,1) one-way random, each subject rated by different raters;
    ICC(2,1) two-way random, absolute agreement [ICC(A,1)];
    ICC(3,1) two-way mixed, consistency [ICC(C,1)];
    ICC(1,k), ICC(2,k), ICC(3,k): reliability of the mean of the k raters.
    """
    if form not in ICC_FORMS:
        raise ValueError(f"form must be one of {', '.join(ICC_FORMS)}, not {form!r}")
    x = np.asarray(matrix, dtype=float)
    if x.ndim != 2:
        raise ValueError("ICC needs a subjects × raters matrix")
    n, k = x.shape
    if n < 2:
        raise ValueError(f"ICC needs at least 2 subjects, got {n}")
    if k < 2:
        raise ValueError(f"ICC needs at least 2 raters, got {k}")
    if not np.isfinite(x).all():
        raise ValueError("ICC needs complete numeric data (no missing or infinite scores)")
    _z(confidence)
    alpha = 1.0 - confidence
    method = form.lower().replace("(", "").replace(")", "").replace(",", "_")  # icc2_1
    msr, msc, mse, msw = _mean_squares(x)
    case, average = form[4], form.endswith("k)")
    scale = max(abs(msr), abs(msc), abs(mse), abs(msw))
    if scale <= 1e-12 * max(1.0, float(np.abs(x).max())) ** 2:
        return _undefined(n, k, method, "all scores are identical: no variance to explain",
                          confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        if case == "1":
            value = (msr - msw) / msr if average else (msr - msw) / (msr + (k - 1) * msw)
            fl, fu = _f_bounds(msr / msw if msw > 0 else np.inf, n - 1, n * (k - 1), alpha)
            low, high = (_average(fl), _average(fu)) if average else (_single(fl, k),
                                                                      _single(fu, k))
        elif case == "3":
            value = (msr - mse) / msr if average else (msr - mse) / (msr + (k - 1) * mse)
            fl, fu = _f_bounds(msr / mse if mse > 0 else np.inf, n - 1, (n - 1) * (k - 1),
                               alpha)
            low, high = (_average(fl), _average(fu)) if average else (_single(fl, k),
                                                                      _single(fu, k))
        else:
            single = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
            value = (msr - mse) / (msr + (msc - mse) / n) if average else single
            low, high = _icc2_bounds(single, msr, msc, mse, n, k, alpha)
            if average:   # Spearman-Brown of the single-rater bounds = McGraw & Wong (A,k)
                low, high = (k * low / (1 + (k - 1) * low), k * high / (1 + (k - 1) * high))
    if not np.isfinite(value):
        return _undefined(n, k, method, "no between-subject variance: ICC is 0/0", confidence)
    value = float(value)
    low = float(low) if np.isfinite(low) else None
    high = float(high) if np.isfinite(high) else None
    low = None if low is None else min(low, value)
    high = None if high is None else max(high, value)
    return Estimate(value, low, high, n, k, method, icc_band(value), None, confidence)


def _icc2_bounds(rho: float, msr: float, msc: float, mse: float, n: int, k: int,
                 alpha: float) -> tuple[float, float]:
    """Satterthwaite interval for ICC(2,1), Shrout & Fleiss (1979) eq. in Table 1."""
    if rho >= 1.0:
        return 1.0, 1.0
    a = k * rho / (n * (1 - rho))
    b = 1 + k * rho * (n - 1) / (n * (1 - rho))
    num = (a * msc + b * mse) ** 2
    den = (a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1))
    v = num / den if den > 0 else np.inf
    v = max(v, 1e-9)
    f_star = stats.f.ppf(1 - alpha / 2, n - 1, v)
    f_star_low = stats.f.ppf(1 - alpha / 2, v, n - 1)
    common = k * msc + (k * n - k - n) * mse
    low = n * (msr - f_star * mse) / (f_star * common + n * msr)
    high = n * (f_star_low * msr - mse) / (common + n * f_star_low * msr)
    return low, high


# --------------------------------------------------------------------------- service layer

def _pairs_to_arrays(pairs: Iterable[tuple], what: str) -> tuple[list, list, list, dict]:
    keys, ra, rb, scale = [], [], [], {}
    for key, a, b, categories in pairs:
        cats = tuple(categories)
        known = scale.setdefault(key, cats)
        if known != cats:
            raise ValueError(f"{what} {key!r} is rated on two different scales: "
                             f"{list(known)!r} and {list(cats)!r}")
        keys.append(key)
        ra.append(a)
        rb.append(b)
    return keys, ra, rb, scale


def _by_scale(keys: list, ra: list, rb: list, scale: dict, weights: Weights,
              confidence: float, raters: Mapping | None = None) -> dict[Any, Estimate]:
    """kappa_by_group, once per distinct scale (items may use different scales)."""
    ordered = list(scale)
    key_index = {key: i for i, key in enumerate(ordered)}
    group = np.fromiter((key_index[key] for key in keys), dtype=np.intp, count=len(keys))
    ra_arr, rb_arr = np.empty(len(ra), dtype=object), np.empty(len(rb), dtype=object)
    ra_arr[:], rb_arr[:] = ra, rb
    counts = None if raters is None else {key_index[k]: v for k, v in raters.items()}
    by_cats: dict[tuple, list[int]] = {}
    for i, cats in enumerate(scale.values()):
        by_cats.setdefault(cats, []).append(i)
    result: dict[int, Estimate] = {}
    for cats, indices in by_cats.items():
        mask = np.isin(group, indices)
        result.update(kappa_by_group(group[mask], ra_arr[mask], rb_arr[mask], categories=cats,
                                     weights=weights, confidence=confidence, raters=counts))
    return {key: result[i] for i, key in enumerate(ordered)}


def agreement_by_item(pairs: Iterable[tuple[Hashable, Hashable, Hashable, Sequence]], *,
                      weights: Weights = "quadratic",
                      confidence: float = 0.95) -> dict[Any, Estimate]:
    """Weighted kappa per item from double-rated assessments.

    ``pairs`` yields ``(item_code, rating_a, rating_b, categories)``, one per item of each
    double-rated assessment. Returns ``{item_code: Estimate}`` in first-seen order; an item
    with fewer than 2 pairs gets an undefined estimate (``reason`` says so).
    """
    return _by_scale(*_pairs_to_arrays(pairs, "item"), weights, confidence)


def agreement_overall(pairs: Iterable[tuple[Hashable, Hashable, Hashable, Sequence]], *,
                      weights: Weights = "quadratic", confidence: float = 0.95) -> Estimate:
    """One weighted kappa over all item ratings of all double-rated assessments.

    Every item must use the same scale. The interval treats item ratings as independent;
    items of one assessment are not, so read it as optimistic (too narrow).
    """
    keys, ra, rb, scale = _pairs_to_arrays(pairs, "item")
    scales = set(scale.values())
    if len(scales) != 1:
        raise ValueError("overall agreement needs every item on the same scale; "
                         "compare items with agreement_by_item instead")
    return weighted_kappa(ra, rb, categories=scales.pop(), weights=weights,
                          confidence=confidence)


def agreement_by_rater(pairs: Iterable[tuple[Hashable, Hashable, Hashable, Hashable,
                                              Sequence]], *,
                       weights: Weights = "quadratic",
                       confidence: float = 0.95) -> dict[Any, Estimate]:
    """Weighted kappa of each rater against all the raters they were paired with.

    ``pairs`` yields ``(rater_a, rater_b, rating_a, rating_b, categories)`` — one per item of
    each double-rated assessment. Each pair counts for both raters (kappa does not depend
    on which rater is "first"). ``raters`` of an estimate is 1 + the number of distinct
    partners. All of one rater's ratings must be on one scale.
    """
    keys, ra, rb, scale, partners = [], [], [], {}, {}
    for rater_a, rater_b, a, b, categories in pairs:
        cats = tuple(categories)
        for rater, partner in ((rater_a, rater_b), (rater_b, rater_a)):
            known = scale.setdefault(rater, cats)
            if known != cats:
                raise ValueError(f"rater {rater!r} rated on two different scales: "
                                 f"{list(known)!r} and {list(cats)!r}")
            partners.setdefault(rater, set()).add(partner)
        keys += (rater_a, rater_b)
        ra += (a, b)
        rb += (b, a)
    raters = {rater: 1 + len(others) for rater, others in partners.items()}
    return _by_scale(keys, ra, rb, scale, weights, confidence, raters)
