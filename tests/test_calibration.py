"""Calibration: Platt scaling, reliability, expected calibration error, and models that carry a calibration."""

import json

import numpy as np
import pytest

from speechmusic.apps.calibration import (
    PlattCalibration,
    brier_score,
    expected_calibration_error,
    fit_platt,
    log_loss,
    reliability_table,
)
from speechmusic.core.errors import ParameterError
from speechmusic.core.model import sigmoid


def toy(n=20000, factor=3.0, shift=0.0, seed=0):
    """Log-odds of a miscalibrated model: the true log-odds times ``factor`` plus ``shift``, and labels drawn from the truth."""
    rng = np.random.default_rng(seed)
    true = rng.normal(0.0, 2.0, n)
    labels = (rng.random(n) < sigmoid(true)).astype(int)
    return factor * true + shift, labels


def test_an_overconfident_model_is_calibrated():
    z, y = toy(factor=3.0, shift=1.0)
    before = expected_calibration_error(sigmoid(z), y)
    c = fit_platt(z, y)
    after = expected_calibration_error(c.probability(z), y)
    assert c.a == pytest.approx(1 / 3, rel=0.05) and c.b == pytest.approx(-1 / 3, abs=0.06)
    assert before > 0.08 and after < 0.01  # measured 0.10 -> 0.003
    assert log_loss(c.probability(z), y) < log_loss(sigmoid(z), y)
    # Monotonic: the ranking (and so the AUC) is untouched.
    assert np.array_equal(np.argsort(c.log_odds(z)), np.argsort(z))


def test_an_underconfident_model_is_sharpened_and_a_calibrated_one_left_alone():
    z, y = toy(factor=0.5)
    assert fit_platt(z, y).a == pytest.approx(2.0, rel=0.05)
    z, y = toy(factor=1.0, seed=1)
    c = fit_platt(z, y)
    assert c.a == pytest.approx(1.0, abs=0.05) and c.b == pytest.approx(0.0, abs=0.05)


def test_platt_targets_keep_separable_data_finite():
    z = np.array([-5.0, -4.0, -3.0, 3.0, 4.0, 5.0])
    y = np.array([0, 0, 0, 1, 1, 1])
    c = fit_platt(z, y)
    assert np.isfinite(c.a) and 0 < c.a < 10
    # Without Platt's targets the slope runs off (the loss keeps falling as it grows).
    assert fit_platt(z, y, smooth_targets=False).a > 3 * c.a


def test_weights_count_recordings_not_windows():
    # One recording of 9 confident windows and 9 recordings of one hesitant window each.
    z = np.concatenate([np.full(9, 4.0), np.full(9, 0.5), np.full(10, -2.0)])
    y = np.concatenate([np.ones(9), np.zeros(9), np.zeros(10)]).astype(int)
    plain = fit_platt(z, y)
    weighted = fit_platt(z, y, sample_weight=np.concatenate([np.full(9, 1 / 9), np.ones(9), np.ones(10)]))
    assert weighted.probability(np.array([4.0]))[0] < plain.probability(np.array([4.0]))[0]


def test_bad_inputs_are_refused():
    with pytest.raises(ParameterError, match="both classes"):
        fit_platt(np.array([1.0, 2.0]), np.array([1, 1]))
    with pytest.raises(ParameterError, match="labels"):
        fit_platt(np.array([1.0, 2.0]), np.array([0, 2]))
    with pytest.raises(ParameterError, match="wrong way round"):
        fit_platt(np.array([-3.0, -2.0, 2.0, 3.0]), np.array([1, 1, 0, 0]))
    with pytest.raises(ParameterError, match="unknown calibration method"):
        PlattCalibration.from_dict({"method": "isotonic"})
    with pytest.raises(ParameterError, match="positive"):
        PlattCalibration.from_dict({"method": "platt", "a": -1.0, "b": 0.0})
    assert PlattCalibration.from_dict(PlattCalibration(0.5, 0.25).as_dict()) == PlattCalibration(0.5, 0.25)


def test_reliability_table_and_scores():
    p = np.array([0.05, 0.15, 0.85, 0.95, 0.95, np.nan])
    y = np.array([0, 0, 1, 1, 0, 1])
    rows = reliability_table(p, y, n_bins=10)
    assert [r["count"] for r in rows] == [1, 1, 1, 2]  # NaN left out, empty bins not listed
    assert rows[-1]["observed"] == 0.5 and rows[-1]["mean_probability"] == pytest.approx(0.95)
    assert expected_calibration_error(np.array([0.8] * 5), np.array([1, 1, 1, 1, 0])) == pytest.approx(0.0)
    assert brier_score(np.array([1.0, 0.0]), np.array([1, 0])) == 0.0


# ----------------------------------------------------------------------- models with a calibration

def test_a_model_file_carries_its_calibration_and_applies_it(tiny_dataset, tmp_path):
    from model_helpers import save_model

    from speechmusic.apps.pipeline import ModelFileError, load_classifier, save_classifier
    from speechmusic.data.dataset import load_split

    path = save_model(tiny_dataset, tmp_path / "plain.npz")
    plain = load_classifier(path)
    assert plain.calibration is None and plain.identity()["calibrated"] is False
    X, _, _ = load_split(tiny_dataset, "test", progress=False)
    own = plain.speech_probability(X)
    assert np.allclose(own, plain.model.predict_proba(plain.vectors(X))[:, 1])  # as before calibration existed

    plain.calibration = PlattCalibration(a=0.5, b=-0.2)
    save_classifier(plain, tmp_path / "calibrated.npz")
    calibrated = load_classifier(tmp_path / "calibrated.npz")
    assert calibrated.calibration == PlattCalibration(a=0.5, b=-0.2)
    expected = sigmoid(0.5 * calibrated.log_odds(X) - 0.2)
    assert np.allclose(calibrated.speech_probability(X), expected)
    assert "calibrated probabilities" in calibrated.describe()

    # A calibration this version cannot apply is refused with one sentence.
    data = dict(np.load(tmp_path / "calibrated.npz"))
    meta = json.loads(str(data["meta"]))
    meta["calibration"] = {"method": "beta", "a": 1, "b": 0}
    data["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "odd.npz", **data)
    with pytest.raises(ModelFileError, match="cannot apply its calibration"):
        load_classifier(tmp_path / "odd.npz")
