"""Model files: what train saves, what evaluate/predict/segment accept and refuse."""

import json

import numpy as np
import pytest
from model_helpers import tones_vs_noise_classifier

from speechmusic.apps.pipeline import (
    Classifier,
    ModelFileError,
    feature_length,
    load_classifier,
    params_from_dict,
    save_classifier,
    train_classifier,
)
from speechmusic.core.config import DEFAULT_PARAMS, FeatureParams
from speechmusic.core.errors import ParameterError, SpeechMusicError
from speechmusic.data.dataset import load_split


def _rewrite(path, out, *, meta_update=None, arrays_update=None, drop=()):
    """Copy a model file with changed metadata or arrays (simulating other versions or corruption)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k not in drop}
    meta = json.loads(str(arrays["meta"]))
    meta.update(meta_update or {})
    arrays["meta"] = np.array(json.dumps(meta))
    arrays.update(arrays_update or {})
    np.savez(out, **arrays)
    return out


@pytest.fixture
def model_file(tiny_dataset, tmp_path):
    clf = tones_vs_noise_classifier(tiny_dataset)
    return save_classifier(clf, tmp_path / "model.npz", n_train=8)


def test_feature_length_matches_vectors():
    X = np.zeros((2, *DEFAULT_PARAMS.shape))
    for kind in ("flat", "pooled", "dynamics"):
        clf = Classifier(model=None, feature_kind=kind)
        assert clf.vectors(X).shape == (2, feature_length(kind))
    with pytest.raises(ParameterError):
        feature_length("mfcc")


def test_saved_model_round_trip_reproduces_predictions(model_file, tiny_dataset):
    X, y, _ = load_split(tiny_dataset, "test", progress=False)
    original = tones_vs_noise_classifier(tiny_dataset)
    loaded = load_classifier(model_file)
    assert loaded.feature_kind == "pooled"
    assert loaded.params == DEFAULT_PARAMS
    assert loaded.class_names == ("music", "speech")
    assert loaded.metadata["n_train"] == 8
    assert loaded.metadata["feature_params"] == DEFAULT_PARAMS.as_dict()
    assert loaded.metadata["package_version"]
    np.testing.assert_allclose(loaded.speech_probability(X), original.speech_probability(X))
    assert np.array_equal(loaded.speech_probability(X) > 0.5, y == 1)  # tones vs noise is easy


def test_save_never_overwrites_unless_asked(model_file, tiny_dataset):
    clf = tones_vs_noise_classifier(tiny_dataset)
    before = model_file.read_bytes()
    with pytest.raises(FileExistsError):
        save_classifier(clf, model_file)
    assert model_file.read_bytes() == before
    save_classifier(clf, model_file, overwrite=True, note="again")
    assert load_classifier(model_file).metadata["note"] == "again"


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"meta_update": {"feature_kind": "mfcc"}}, "unknown feature kind 'mfcc'"),
        ({"meta_update": {"format": 99}}, "format 99"),
        ({"meta_update": {"class_names": ["speech", "music"]}}, "its labels are"),
        ({"meta_update": {"feature_params": {**DEFAULT_PARAMS.as_dict(), "preemphasis": 0.97}}}, "preemphasis"),
        ({"meta_update": {"feature_params": {**DEFAULT_PARAMS.as_dict(), "n_mels": 64}}}, "256 weights"),
        ({"meta_update": {"feature_params": {**DEFAULT_PARAMS.as_dict(), "hop_length": -5}}}, "must be positive"),
        ({"meta_update": {"feature_kind": "flat"}}, "16640 values"),
        ({"arrays_update": {"coef": np.zeros(100)}}, "has 100 weights"),
        ({"arrays_update": {"mean": np.zeros(3)}}, "standardisation 'mean'"),
        ({"drop": ("scale",)}, "incomplete"),
        ({"arrays_update": {"coef": np.full(256, np.nan)}}, "non-finite"),
    ],
)
def test_models_the_code_cannot_honour_are_refused_clearly(model_file, tmp_path, change, expected):
    bad = _rewrite(model_file, tmp_path / "bad.npz", **change)
    with pytest.raises(ModelFileError, match=expected) as info:
        load_classifier(bad)
    assert str(bad) in str(info.value)  # the message names the file
    assert isinstance(info.value, SpeechMusicError)  # printed as one line by the CLI


def test_missing_and_non_model_files_are_clear_errors(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_classifier(tmp_path / "nothing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip file")
    with pytest.raises(ModelFileError, match="not a speechmusic model file"):
        load_classifier(junk)


def test_params_from_dict_restores_types_and_validates():
    values = json.loads(json.dumps(DEFAULT_PARAMS.as_dict()))
    values["sample_rate"] = 22050.0  # JSON writers may turn ints into floats
    params = params_from_dict(values)
    assert params == DEFAULT_PARAMS and params.key() == DEFAULT_PARAMS.key()
    with pytest.raises(ParameterError, match="whole number"):
        params_from_dict({**values, "n_fft": 2048.5})
    with pytest.raises(ParameterError, match="fmin < fmax"):
        params_from_dict({**values, "fmax": 30000.0})
    assert params_from_dict({"duration": 2.0}) == FeatureParams(duration=2.0)  # older files: defaults fill in


def test_training_defaults_depend_on_feature_kind(tiny_dataset):
    X, y, _ = load_split(tiny_dataset, "train", progress=False)
    pooled = train_classifier(X, y, feature_kind="pooled", num_iterations=10)
    flat = train_classifier(X, y, feature_kind="flat", num_iterations=10)
    assert pooled.model.standardize and pooled.model.learning_rate == 0.1
    assert not flat.model.standardize and flat.model.learning_rate == 0.005
    assert pooled.model.coef_.shape == (256,) and flat.model.coef_.shape == (16640,)
    with pytest.raises(ParameterError, match="unknown feature kind"):
        train_classifier(X, y, feature_kind="mfcc")
    with pytest.raises(ParameterError, match="expected spectrograms"):
        train_classifier(X[:, :64], y)


def test_window_lengths_other_than_the_clip_need_pooled_features(tiny_dataset):
    pooled = tones_vs_noise_classifier(tiny_dataset, "pooled")
    flat = tones_vs_noise_classifier(tiny_dataset, "flat")
    assert pooled.window_params(None) == DEFAULT_PARAMS
    assert flat.window_params(3.0) == DEFAULT_PARAMS
    assert pooled.window_params(2.0).n_samples == 44100
    with pytest.raises(ParameterError, match="only exist for windows of 3 s"):
        flat.window_params(2.0)
    with pytest.raises(ParameterError):
        pooled.window_params(0.01)  # shorter than one FFT frame
