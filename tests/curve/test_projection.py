import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacy_ner_plugin.curve.projection import fit_curve, project, ranked_labels
from spacy_ner_plugin.curve.report import projection_table
from spacy_ner_plugin.errors import PluginError

FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def law(a, b, c):
    return lambda n: a - b * n ** (-c)


def curve_points(curves, n_seeds=3, noise=0.0, rng_seed=0, full=1000, fractions=FRACTIONS):
    """Train-curve points whose label L scores curves[L](examples) plus seeded noise; the
    overall F is the first curve's."""
    rng = np.random.default_rng(rng_seed)
    points = []
    for seed in range(n_seeds):
        for fraction in fractions:
            n = round(full * fraction)
            scores = {label: f(n) + rng.normal(0, noise) for label, f in curves.items()}
            points.append(
                {
                    "fraction": fraction,
                    "seed": seed,
                    "n_examples": n,
                    "ents_f": next(iter(scores.values())),
                    "ents_per_type": {
                        label: {"f": f, "p": f, "r": f} for label, f in scores.items()
                    },
                }
            )
    return points


def prediction(curve, factor):
    return next(p for p in curve["predictions"] if p["factor"] == factor)


@pytest.mark.parametrize("a,b,c", [(0.85, 2.0, 0.6), (0.7, 0.5, 0.3), (1.0, 5.0, 1.2)])
def test_fit_recovers_the_parameters_of_an_exact_curve(a, b, c):
    sizes = np.array([100.0, 200.0, 300.0, 400.0])
    assert fit_curve(sizes, law(a, b, c)(sizes)) == pytest.approx((a, b, c), rel=1e-4)


@pytest.mark.slow  # over half a second of CPU: a hypothesis search over fits
@settings(max_examples=20, deadline=None)
@given(
    a=st.floats(0.6, 0.95),
    rise=st.floats(0.05, 0.3),
    c=st.floats(0.3, 1.0),
    rng_seed=st.integers(0, 2**16),
)
def test_projection_of_a_noisy_curve_lands_near_the_truth(a, rise, c, rng_seed):
    """Curves that rise by `rise` from 250 to 1,000 examples, measured with a little noise."""
    truth = law(a, rise / (250**-c - 1000**-c), c)
    points = curve_points({"X": truth}, n_seeds=5, noise=0.003, rng_seed=rng_seed)
    result = project(points, n_boot=30)
    for curve in (result["overall"], result["labels"]["X"]):
        fitted = law(curve["fit"]["a"], curve["fit"]["b"], curve["fit"]["c"])
        for n in (250, 500, 750, 1000):
            assert fitted(n) == pytest.approx(truth(n), abs=0.005)
        for factor in (1.5, 2.0):
            found = prediction(curve, factor)
            assert found["examples"] == factor * 1000
            assert found["f"] == pytest.approx(truth(factor * 1000), abs=0.015)
            assert found["low"] <= found["f"] <= found["high"]


@pytest.mark.slow  # over half a second of CPU: 20 curves of 100 bootstrapped fits
def test_the_interval_covers_the_truth_most_of_the_time():
    truth = law(0.8, 1.5, 0.5)
    inside = 0
    for rng_seed in range(20):
        points = curve_points({"X": truth}, noise=0.01, rng_seed=rng_seed)
        found = prediction(project(points, n_boot=100)["labels"]["X"], 2.0)
        inside += found["low"] <= truth(2000) <= found["high"]
        assert found["high"] - found["low"] < 0.1
    assert inside >= 16  # a 95% interval; about 90% on such curves, never far below


def test_too_few_data_sizes_give_no_fit_and_the_reason():
    points = curve_points({"X": law(0.8, 1.0, 0.5)}, fractions=(0.5, 1.0))
    result = project(points)
    for curve in (result["overall"], result["labels"]["X"]):
        assert curve["fit"] is None and curve["predictions"] == []
        assert curve["reason"] == "needs points at 3 or more data sizes, has 2"
        assert curve["now"] == {
            "examples": 1000,
            "f": pytest.approx(0.8 - 1000**-0.5, abs=1e-4),
            "n_seeds": 3,
        }


def test_a_label_missing_from_points_is_fitted_on_the_others():
    points = curve_points({"X": law(0.8, 1.0, 0.5), "Y": law(0.6, 1.0, 0.5)})
    for point in points:
        if point["fraction"] <= 0.5:
            del point["ents_per_type"]["Y"]
    result = project(points)
    assert result["labels"]["Y"]["fit"] is None and "has 2" in result["labels"]["Y"]["reason"]
    assert result["labels"]["X"]["fit"] is not None


@pytest.mark.parametrize("slope", [0.0, -0.04, -0.2])
def test_a_flat_or_falling_curve_predicts_no_gain(slope):
    points = curve_points({"X": lambda n: 0.6 + slope * n / 1000}, noise=0.005)
    curve = project(points)["labels"]["X"]
    for found in curve["predictions"]:
        assert found["gain"] == pytest.approx(0.0, abs=0.005)
        assert found["high"] - curve["now"]["f"] < 0.02


def test_labels_are_ranked_by_predicted_gain():
    points = curve_points(
        {"FLAT": lambda n: 0.9, "STEEP": law(0.9, 3.0, 0.5), "SOME": law(0.9, 1.0, 0.5)}
    )
    result = project(points)
    assert [label for label, _ in ranked_labels(result, 2.0)] == ["STEEP", "SOME", "FLAT"]
    gains = dict(ranked_labels(result, 1.5))
    assert gains["STEEP"] == pytest.approx(
        law(0.9, 3.0, 0.5)(1500) - law(0.9, 3.0, 0.5)(1000), abs=1e-3
    )
    assert ranked_labels(result, 3.0) == []  # no such prediction


def test_bootstrap_is_reproducible_with_its_seed_and_independent_of_other_labels():
    curves = {"X": law(0.8, 1.5, 0.5), "Y": law(0.7, 1.0, 0.4)}
    points = curve_points(curves, noise=0.01)
    first = project(points, n_boot=50, seed=3)
    assert project(points, n_boot=50, seed=3) == first
    other = project(points, n_boot=50, seed=4)
    assert prediction(other["labels"]["X"], 2.0)["f"] == prediction(first["labels"]["X"], 2.0)["f"]
    assert other["labels"]["X"]["predictions"] != first["labels"]["X"]["predictions"]
    for point in points:
        del point["ents_per_type"]["Y"]
    assert project(points, n_boot=50, seed=3)["labels"]["X"] == first["labels"]["X"]


def test_one_seed_gives_the_point_as_its_interval():
    curve = project(curve_points({"X": law(0.8, 1.5, 0.5)}, n_seeds=1))["labels"]["X"]
    for found in curve["predictions"]:
        assert found["low"] == found["f"] == found["high"]


def test_scores_stay_within_0_and_1():
    points = curve_points({"X": law(1.0, 2.0, 0.2)}, noise=0.02)
    for found in project(points)["labels"]["X"]["predictions"]:
        assert 0.0 <= found["low"] <= found["high"] <= 1.0


@pytest.mark.parametrize(
    "point,message",
    [
        ({"n_examples": 10, "ents_per_type": {}}, "needs n_examples, ents_f"),
        ({"n_examples": 10, "ents_f": 0.5, "ents_per_type": {"X": {}}}, "with f per label"),
        ({"n_examples": 0, "ents_f": 0.5, "ents_per_type": {}}, "has 0 examples"),
    ],
)
def test_malformed_points_are_refused(point, message):
    with pytest.raises(PluginError, match=message):
        project([point])
    with pytest.raises(PluginError, match="no points"):
        project([])
    with pytest.raises(PluginError, match="targets"):
        project(curve_points({"X": lambda n: 0.5}), targets=(0.0,))


def test_table_lists_overall_then_labels_by_gain_then_those_without_a_fit():
    points = curve_points({"SOME": law(0.9, 1.0, 0.5), "STEEP": law(0.9, 3.0, 0.5)})
    for point in points:
        if point["fraction"] <= 0.5:
            point["ents_per_type"]["RARE"] = {"f": 0.1}
    title, header, rows, aligns = projection_table(project(points))
    assert header == ("", "examples", "F now", "F at 1.5×", "F at 2×", "gain at 2×")
    assert [row[0] for row in rows] == ["overall", "STEEP", "SOME", "RARE"]
    steep = rows[1]
    assert steep[2] == f"{law(0.9, 3.0, 0.5)(1000) * 100:.1f}"
    assert steep[4].startswith(f"{law(0.9, 3.0, 0.5)(2000) * 100:.1f} [")
    assert rows[3][3:] == ("—", "—", "needs points at 3 or more data sizes, has 2")
    assert len(aligns) == len(header) and "95% interval" in title
    assert math.isclose(
        float(steep[5]), (law(0.9, 3.0, 0.5)(2000) - law(0.9, 3.0, 0.5)(1000)) * 100, abs_tol=0.11
    )
