"""The scikit-learn vocabulary of the estimator and of the trained classifier, and the one threshold."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import REPO_ROOT
from model_helpers import tones_vs_noise_classifier

from speechmusic.apps.pipeline import Classifier
from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import NotFittedError, ParameterError, SpeechMusicError
from speechmusic.core.model import DECISION_THRESHOLD, LogisticRegression, labels_from_probability
from speechmusic.data.dataset import load_split


def _data(m=120, n=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    return X, (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_an_unfitted_estimator_says_so(method):
    model = LogisticRegression()
    with pytest.raises(NotFittedError, match="not trained yet"):
        getattr(model, method)(np.zeros((2, 3)))
    # one family for the command line, and AttributeError like scikit-learn's
    assert issubclass(NotFittedError, SpeechMusicError) and issubclass(NotFittedError, AttributeError)


def test_fit_sets_the_fitted_attributes():
    X, y = _data()
    model = LogisticRegression(learning_rate=0.5, num_iterations=200)
    assert not hasattr(model, "n_features_in_")
    assert model.fit(X, y) is model
    assert model.n_features_in_ == 4 and model.coef_.shape == (4,)
    assert list(model.classes_) == [0, 1]
    assert len(model.costs_) == 2  # every record_every=100 steps


def test_a_loaded_estimator_has_the_fitted_attributes(tmp_path):
    X, y = _data()
    LogisticRegression(learning_rate=0.5, num_iterations=100).fit(X, y).save(tmp_path / "m.npz")
    loaded, _ = LogisticRegression.load(tmp_path / "m.npz")
    assert loaded.n_features_in_ == 4 and list(loaded.classes_) == [0, 1]


def test_estimator_methods_agree():
    X, y = _data(seed=1)
    model = LogisticRegression(learning_rate=0.5, num_iterations=300).fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-model.decision_function(X))))
    np.testing.assert_array_equal(model.predict(X), (proba[:, 1] > DECISION_THRESHOLD).astype(int))
    assert model.score(X, y) == pytest.approx(np.mean(model.predict(X) == y))
    assert model.score(X, y) > 0.9


def test_the_threshold_is_exclusive():
    assert DECISION_THRESHOLD == 0.5
    np.testing.assert_array_equal(labels_from_probability([0.0, 0.5, np.nextafter(0.5, 1), 1.0]), [0, 0, 1, 1])
    np.testing.assert_array_equal(labels_from_probability([0.3, 0.6], threshold=0.2), [1, 1])


def test_the_classifier_speaks_the_estimator_vocabulary(tiny_dataset):
    classifier = tones_vs_noise_classifier(tiny_dataset)
    X, y, _ = load_split(tiny_dataset, "test", progress=False)
    p = classifier.speech_probability(X)
    proba = classifier.predict_proba(X)
    assert proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba[:, 1], p)
    np.testing.assert_allclose(proba[:, 0], 1 - p)
    np.testing.assert_array_equal(classifier.predict(X), (p > DECISION_THRESHOLD).astype(int))
    np.testing.assert_allclose(classifier.decision_function(X), classifier.log_odds(X))
    assert classifier.score(X, y) == pytest.approx(np.mean(classifier.predict(X) == y))
    assert classifier.score(X, y) == 1.0  # tones vs noise
    assert [classifier.label_of(v) for v in (0.5, 0.51)] == ["music", "speech"]
    with pytest.raises(ParameterError, match="zero examples"):
        classifier.score(X[:0], y[:0])


def test_an_untrained_classifier_says_so():
    classifier = Classifier(model=LogisticRegression(), params=DEFAULT_PARAMS, feature_kind="pooled")
    with pytest.raises(NotFittedError):
        classifier.predict(np.zeros((1, *DEFAULT_PARAMS.shape)))


def test_no_other_hand_written_decision_threshold():
    """The 0.5 that turns a probability into a label is written once, in core/model.py."""
    # a comparison with 0.5 on a line about probabilities (segmentation's 0.5 for silence and
    # coverage are not decisions)
    pattern = re.compile(r"prob.*[<>]=?\s*0\.5\b|0\.5\s*[<>]=?.*prob")
    package = REPO_ROOT / "src" / "speechmusic"
    for relative in ("core/model.py", "apps/pipeline.py", "commands/train.py", "commands/evaluate.py",
                     "apps/evaluation.py", "apps/segmentation.py", "commands/predict.py"):
        text = (package / relative).read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if relative != "core/model.py" or "DECISION_THRESHOLD = 0.5" not in line:
                assert not pattern.search(line.split("#")[0]), f"{relative}:{number}: {line.strip()}"


def test_feature_params_from_dict_validates():
    params = FeatureParams(sample_rate=16000, duration=1.0)
    assert FeatureParams.from_dict(params.as_dict()) == params
    with pytest.raises(ParameterError, match="unknown feature parameter"):
        FeatureParams.from_dict({"sample_rate": 16000, "colour": "blue"})
    with pytest.raises(ParameterError, match="whole number"):
        FeatureParams.from_dict({"n_mels": 12.5})
    with pytest.raises(ParameterError, match="fmin < fmax"):
        FeatureParams.from_dict({"fmin": 9000.0, "fmax": 4000.0})
    with pytest.raises(ParameterError, match="mapping"):
        FeatureParams.from_dict([("n_mels", 64)])


def test_the_validation_split_is_reusable_outside_the_command(tiny_dataset):
    from speechmusic.data.splits import recording_groups, validation_mask

    X, y, paths = load_split(tiny_dataset, "train", progress=False)
    groups = recording_groups(paths, tiny_dataset)
    assert len(groups) == len(y)
    held = validation_mask(y, groups, 0.5, seed=0)
    for label in (0, 1):  # each class keeps recordings on both sides
        assert held[y == label].any() and (~held[y == label]).any()
    with pytest.raises(ParameterError, match="between 0 and 1"):
        validation_mask(y, groups, 1.0, seed=0)
