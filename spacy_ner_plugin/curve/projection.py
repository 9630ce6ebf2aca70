"""Will more annotation help, and for which label? A learning curve fitted to the train curve.

Each label's F (and the overall F) at the curve's points is fitted with an inverse power law
F(n) = a - b·n^(-c) in the number of training examples n, with a ≤ 1 (no F above 1) and b ≥ 0
(more data never costs accuracy in the model; a falling curve fits as a flat one). The fit is
least squares: for each c of a grid, a and b are linear and solved in closed form; the grid is
then refined twice around the best c. The predicted gain from n_now to factor·n_now is the
fitted curve's rise, added to the F measured at n_now, so a fit that misses the last point (a
flat or falling curve, the bound a ≤ 1) does not turn its miss into a gain. The interval is a
percentile bootstrap over the seeds: the points of each fraction are resampled with
replacement, and the whole fit and prediction repeated; the interval's half-widths are then
widened by sqrt(k/(k-1)) for k seeds, the variance a resample of k values loses (on synthetic
curves with 3 seeds this brings the 95% interval's coverage of the truth from about 83% to
90%). With one seed per fraction there is nothing to resample and the interval is the point.

Scores are on the points' scale: 0 to 1, like spaCy's `ents_f`.
"""

import math
import zlib
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from ..errors import PluginError

MIN_SIZES = 3  # distinct data sizes a three-parameter curve needs
INTERVAL = 0.95
C_GRID = np.geomspace(0.02, 4.0, 160)
REFINE_ROUNDS, REFINE_POINTS = 2, 65  # zooms into the best c's neighbours, each a finer grid
Curve = Tuple[float, float, float]  # a, b, c


def project(
    points: List[Dict[str, Any]],
    targets: Sequence[float] = (1.5, 2.0),
    n_boot: int = 200,
    seed: int = 0,
) -> Dict[str, Any]:
    """Predicted F, overall and per label, at each factor of `targets` times the largest sample.

    `points` are train-curve points (`n_examples`, `ents_f`, `ents_per_type`; `fraction` and
    `seed` as written). Each curve is `{"now", "fit", "predictions"}`, or has `"fit": None`, a
    `"reason"` and no predictions when it has fewer than 3 data sizes. Raises `PluginError` on
    points without these fields.
    """
    if n_boot < 1:
        raise PluginError("Cannot project the train curve", f"n_boot must be ≥ 1, got {n_boot}")
    if not targets or any(factor <= 0 for factor in targets):
        raise PluginError("Cannot project the train curve", f"targets must be > 0: {targets}")
    overall, per_label = _scores(points)
    labels = {
        label: project_scores(scores, targets, n_boot, _seed_for(seed, label))
        for label, scores in sorted(per_label.items())
    }
    return {
        "targets": [float(factor) for factor in targets],
        "interval": INTERVAL,
        "n_boot": n_boot,
        "seed": seed,
        "overall": project_scores(overall, targets, n_boot, _seed_for(seed, "")),
        "labels": labels,
    }


def ranked_labels(projection: Dict[str, Any], factor: float = 2.0) -> List[Tuple[str, float]]:
    """The labels with a prediction at `factor`, largest predicted gain in F first."""
    gains = []
    for label, curve in projection["labels"].items():
        found = [p for p in curve["predictions"] if math.isclose(p["factor"], factor)]
        if found:
            gains.append((label, found[0]["gain"]))
    return sorted(gains, key=lambda item: (-item[1], item[0]))


def project_scores(
    scores: List[Tuple[int, float]], targets: Sequence[float], n_boot: int, seed: int
) -> Dict[str, Any]:
    """One curve's projection from its (examples, F) points, one per trained point."""
    sizes = np.array([n for n, _ in scores], dtype=float)
    values = np.array([f for _, f in scores], dtype=float)
    largest = sizes.max()
    now = values[sizes == largest]
    result: Dict[str, Any] = {
        "now": {"examples": int(largest), "f": _round(now.mean()), "n_seeds": len(now)}
    }
    distinct = np.unique(sizes)
    if len(distinct) < MIN_SIZES:
        return {
            **result,
            "fit": None,
            "reason": f"needs points at {MIN_SIZES} or more data sizes, has {len(distinct)}",
            "predictions": [],
        }
    factors = np.array(targets, dtype=float)
    curve = fit_curve(sizes, values)
    best = _predict(curve, sizes, values, largest, factors)
    groups = [np.flatnonzero(sizes == n) for n in distinct]
    rng = np.random.default_rng(seed)
    boot = np.empty((n_boot, len(factors)))
    for i in range(n_boot):
        picks = np.concatenate([rng.choice(group, size=len(group)) for group in groups])
        again = fit_curve(sizes[picks], values[picks])
        boot[i] = _predict(again, sizes[picks], values[picks], largest, factors)
    tail = (1 - INTERVAL) / 2 * 100
    low, high = np.percentile(boot, [tail, 100 - tail], axis=0)
    # Resampling k seeds shrinks their variance by (k - 1)/k: widen the interval back.
    k = min(len(group) for group in groups)
    widen = math.sqrt(k / (k - 1)) if k > 1 else 1.0
    low = np.clip(best - (best - low) * widen, 0.0, 1.0)
    high = np.clip(best + (high - best) * widen, 0.0, 1.0)
    a, b, c = curve
    residuals = values - curve_value(curve, sizes)
    result["fit"] = {
        "a": _round(a),
        "b": _round(b),
        "c": _round(c),
        "rmse": _round(math.sqrt(float(np.mean(residuals**2)))),
        "n_points": len(values),
        "n_sizes": len(distinct),
    }
    result["predictions"] = [
        {
            "factor": float(factor),
            "examples": round(factor * largest),
            "f": _round(f),
            "low": _round(lo),
            "high": _round(hi),
            "gain": _round(f - now.mean()),
        }
        for factor, f, lo, hi in zip(factors, best, low, high)
    ]
    return result


def fit_curve(sizes: np.ndarray, values: np.ndarray) -> Curve:
    """Least-squares a, b, c of F(n) = a - b·n^(-c), with a ≤ 1 and b ≥ 0."""
    cs = C_GRID
    errors, (a, b) = _solve(sizes, values, cs)
    k = int(np.argmin(errors))
    for _ in range(REFINE_ROUNDS):
        if b[k] == 0:  # a flat fit: c says nothing
            break
        cs = np.linspace(cs[max(k - 1, 0)], cs[min(k + 1, len(cs) - 1)], REFINE_POINTS)
        errors, (a, b) = _solve(sizes, values, cs)
        k = int(np.argmin(errors))
    return float(a[k]), float(b[k]), float(cs[k])


def curve_value(curve: Curve, sizes: np.ndarray) -> np.ndarray:
    """F(n) = a - b·n^(-c) at each of `sizes`."""
    a, b, c = curve
    return a - b * np.power(sizes, -c)


def _solve(
    sizes: np.ndarray, values: np.ndarray, cs: np.ndarray
) -> Tuple[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
    """For each c: the squared error and the least-squares (a, b) under a ≤ 1, b ≥ 0."""
    x = np.power(sizes[None, :], -cs[:, None])  # (len(cs), points)
    x_mean, y_mean = x.mean(axis=1), values.mean()
    sxx = ((x - x_mean[:, None]) ** 2).sum(axis=1)
    sxy = ((x - x_mean[:, None]) * (values - y_mean)).sum(axis=1)
    b = np.where(sxx > 0, -sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    b = np.maximum(b, 0.0)
    a = np.where(b > 0, y_mean + b * x_mean, y_mean)
    capped = a > 1.0  # on the bound a = 1: b alone, still ≥ 0
    b_capped = np.maximum(((1.0 - values) * x).sum(axis=1) / (x**2).sum(axis=1), 0.0)
    a, b = np.where(capped, 1.0, a), np.where(capped, b_capped, b)
    errors = ((values - (a[:, None] - b[:, None] * x)) ** 2).sum(axis=1)
    return errors, (a, b)


def _predict(
    curve: Curve, sizes: np.ndarray, values: np.ndarray, largest: float, factors: np.ndarray
) -> np.ndarray:
    """F at factor·largest: the F measured at `largest` plus the curve's rise, within [0, 1]."""
    now = values[sizes == largest].mean()
    rise = curve_value(curve, factors * largest) - curve_value(curve, np.array([largest]))
    return np.clip(now + rise, 0.0, 1.0)


def _scores(
    points: List[Dict[str, Any]],
) -> Tuple[List[Tuple[int, float]], Dict[str, List[Tuple[int, float]]]]:
    """(examples, F) per point overall and per label; a label absent from a point is skipped."""
    overall: List[Tuple[int, float]] = []
    per_label: Dict[str, List[Tuple[int, float]]] = {}
    if not points:
        raise PluginError("Cannot project the train curve", "it has no points")
    for i, point in enumerate(points):
        try:
            n = int(point["n_examples"])
            overall.append((n, float(point["ents_f"] or 0.0)))
            for label, score in (point.get("ents_per_type") or {}).items():
                per_label.setdefault(label, []).append((n, float(score["f"] or 0.0)))
        except (KeyError, TypeError, ValueError) as err:
            raise PluginError(
                "Cannot project the train curve",
                f"point {i} needs n_examples, ents_f and ents_per_type with f per label: {err!r}",
            ) from err
        if n < 1:
            raise PluginError("Cannot project the train curve", f"point {i} has {n} examples")
    return overall, per_label


def _seed_for(seed: int, name: str) -> int:
    """A bootstrap seed per curve, so a label's interval does not depend on the other labels."""
    return zlib.crc32(f"{seed}:{name}".encode())


def _round(value: float) -> float:
    return round(float(value), 4)
