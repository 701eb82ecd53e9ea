"""The shipped default model: used without --model, named in every output, rebuilt by one command.

A stand-in for ../shared/real-world (generated clips from six sources, in its layout) lets the
build run in seconds; the slow test at the end rebuilds the shipped file from ../shared/real-world
and compares the weights (skipped when that folder is absent).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO_ROOT, SR, write_audio
from test_evaluation import make_clip_folder

from speechmusic import cli
from speechmusic.apps import default_model as dm
from speechmusic.core.feature_kinds import feature_length

SHARED_REAL_WORLD = REPO_ROOT.parent / "shared" / "real-world"
#: A small recipe for the stand-in (the shipped one generates 120 synthetic clips: 30 s).
TINY = dm.DEFAULT_RECIPE.with_synthetic_size(2)


def stand_in(root: Path) -> Path:
    """Clips in the shared set's layout, with licence and attribution columns in the manifest."""
    make_clip_folder(root, sources=3, per_source=2)
    with open(root / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows):
        row["licence"] = ("CC0 (stand-in)", "CC BY 4.0 (stand-in)", "MIT (stand-in)")[i % 3]
        row["attribution"] = f"generated clip {row['id']}"
    with open(root / "manifest.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    return dm.load_real_set(stand_in(tmp_path_factory.mktemp("real-world")))


@pytest.fixture(scope="module")
def pool(real):
    return dm.build_pool(real, TINY)


# ------------------------------------------------------------------------------ the recipe's parts

def test_pool_remembers_the_sources_of_every_example(real, pool):
    counts = pool.counts()
    assert set(counts) == {"real", "mix", "synthetic", "synthetic songs"}
    # The stand-in has no neither/ clips, so the recipe's synthetic noise is left out of the labels.
    assert pool.class_names == ("music", "speech")
    assert counts["synthetic songs"] == {"speech": 0, "music": sum(n for _, n in TINY.synthetic_styles)}
    assert counts["mix"] == {"speech": counts["mix"]["speech"], "music": 0} and counts["mix"]["speech"] > 0
    mixes = pool.part == "mix"
    assert np.all(pool.source_a[mixes] != pool.source_b[mixes])  # music of another source
    assert np.all(pool.source_a[pool.part == "synthetic"] == "")
    # Holding out a source removes its windows and every mix it is part of, and nothing else.
    gone = ~pool.without(["speech-source-0"])
    assert set(pool.part[gone]) == {"real", "mix"}
    assert np.all((pool.source_a[gone] == "speech-source-0") | (pool.source_b[gone] == "speech-source-0"))
    music_gone = ~pool.without(["music-source-1"])
    assert np.all(pool.labels[music_gone & (pool.part == "mix")] == 1)  # its mixes are speech over it


def test_mixes_are_planned_deterministically_at_every_level(real):
    plan = dm.plan_mixes(real, TINY)
    assert plan == dm.plan_mixes(real, TINY)
    assert len(plan) == TINY.mixes_per_speech_clip * sum(c.label == 1 for c in real.clips)
    assert sorted({item["level_db"] for item in plan}) == sorted(TINY.mix_levels_db)
    for item in plan:
        assert real.clips[item["speech"]].label == 1 and real.clips[item["music"]].label == 0
    from speechmusic.apps.augment import active_rms

    for item in plan:
        y = dm.mix_signal(real, item).astype(np.float64)
        speech = real.signals[item["speech"]].astype(np.float64)
        assert y.size == speech.size and np.abs(y).max() <= 1.0
        # What is left after taking the voice out is the bed, at the planned level below the voice.
        scale = np.dot(y, speech) / np.dot(speech, speech)
        bed = y - scale * speech
        level = 20 * np.log10(active_rms(bed, SR) / active_rms(scale * speech, SR))
        assert level == pytest.approx(item["level_db"], abs=1.5)


def test_source_folds_each_hold_speech_and_music(real):
    folds = dm.source_folds(real, 2)
    assert sorted(s for f in folds for s in f) == real.sources
    for fold in folds:
        labels = {c.label for c in real.clips if c.source in fold}
        assert labels == {0, 1}


def test_calibration_mixes_pair_each_speech_source_with_one_music_source(real):
    mixes = dm.calibration_mixes(real, TINY)
    assert len(mixes.items) == sum(c.label == 1 for c in real.clips)
    partner = {}
    for (speech, music), item in zip(mixes.pairs, mixes.items):
        assert partner.setdefault(speech, music) == music  # one partner per speech source
        assert real.clips[item["speech"]].source == speech and real.clips[item["music"]].source == music
    assert mixes.vectors.shape[0] == mixes.mix_index.size and mixes.vectors.shape[1] == feature_length(TINY.feature_kind)


def test_out_of_fold_models_never_saw_the_held_out_source(real, pool, monkeypatch):
    seen = []
    original = dm.fit_pool

    def spy(pool_, recipe, *, exclude=()):
        seen.append(set(exclude))
        return original(pool_, recipe, exclude=exclude)

    monkeypatch.setattr(dm.training, "fit_pool", spy)  # where train_recipe looks it up
    classifier, data = dm.train_recipe(pool, real, TINY)
    sources = set(real.sources)
    # One model per source (leave-one-source-out), one per mix pair (both held out), and the final one.
    assert [s for s in seen if len(s) == 1] == [{s} for s in sorted(sources)]
    assert {frozenset(s) for s in seen if len(s) == 2} == {frozenset(p) for p in dm.calibration_mixes(real, TINY).pairs}
    assert seen[-1] == set()
    assert classifier.calibration is not None and classifier.calibration.a > 0
    assert set(data.kind) == {"clip", "mix"} and np.all(data.labels[data.kind == "mix"] == 1)


def test_measure_scores_every_condition_and_the_calibration_nested(real, pool):
    result = dm.measure(pool, real, TINY, conditions=("clean", "telephone"))
    assert set(result["conditions"]) == {"clean", "telephone", dm.MIX_CONDITION}
    assert result["conditions"]["clean"]["summary"]["clips"] == len(real.clips)
    nested = result["calibration_nested"]["conditions"]
    for condition in ("clean", "telephone", dm.MIX_CONDITION):
        for when in ("before", "after"):
            assert 0 <= nested[condition][when]["window"]["ece"] <= 1
            assert nested[condition][when]["clip"]["n"] > 0
    text = dm.measurements_markdown({**result, "calibration": {"a": 1.0, "b": 0.0}, "data": {}, "pool": pool.counts()})
    assert "## Leave-one-source-out" in text and "## Calibration, measured nested" in text
    assert "Reliability, clean, windows" in text


# ------------------------------------------------------------------------------------ the build

def test_build_model_on_a_stand_in_set(tmp_path, monkeypatch, capsys):
    folder = stand_in(tmp_path / "real-world")
    monkeypatch.setattr(dm.build, "DEFAULT_RECIPE", TINY)  # where build_default_model looks it up
    out = tmp_path / "out" / "default.npz"
    report = tmp_path / "out" / "measurements.md"
    code = cli.main(["build-model", "--real-world", str(folder), "--model", str(out), "--report", str(report),
                     "--quiet", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["model"] == str(out)
    from speechmusic.apps.pipeline import load_classifier

    model = load_classifier(out)
    assert model.calibration is not None and model.feature_kind == dm.DEFAULT_RECIPE.feature_kind
    assert model.metadata["recipe"]["synthetic_per_class"] == 2
    assert model.metadata["data"]["real_clips"] == 12 and model.metadata["data"]["sources"] == 6
    assert "differs from" not in json.dumps(model.metadata) or model.metadata["data"]["differences_from_list"]
    credits = (tmp_path / "out" / "default-ATTRIBUTION.md").read_text()
    assert "generated clip speech-0-0" in credits and "## CC0" in credits and "## CC BY 4.0" in credits
    assert "## Leave-one-source-out" in report.read_text()
    measured = json.loads(report.with_suffix(".json").read_text())
    assert measured["conditions"]["clean"]["summary"]["clips"] == 12
    assert set(summary["leave_one_source_out"]) >= {"clean", "noisy", "telephone", "snippet"}

    # Deterministic: the same folder gives the same weights. Outputs are never replaced silently.
    again = tmp_path / "again.npz"
    assert cli.main(["build-model", "--real-world", str(folder), "--model", str(again), "--no-measure", "--quiet"]) == 0
    for key in ("coef", "intercept", "mean", "scale"):
        assert np.array_equal(np.load(out)[key], np.load(again)[key])
    assert load_classifier(again).calibration == model.calibration
    before = out.read_bytes()
    assert cli.main(["build-model", "--real-world", str(folder), "--model", str(out), "--no-measure", "--quiet"]) == 2
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == before

    # Without the nested calibration (its inner leave-one-source-out per source takes hours on the real
    # set) the same tables are measured, and the page says the calibrated columns were not.
    quick = tmp_path / "quick" / "measurements.md"
    assert cli.main(["build-model", "--real-world", str(folder), "--model", str(tmp_path / "quick" / "m.npz"),
                     "--report", str(quick), "--no-nested-calibration", "--quiet"]) == 0
    without = json.loads(quick.with_suffix(".json").read_text())
    assert "calibration_nested" not in without and "calibration_nested" in measured
    assert without["conditions"]["clean"]["confusion"] == measured["conditions"]["clean"]["confusion"]
    page = quick.read_text()
    assert "not measured in this run" in page and "## Calibration, measured nested" not in page
    assert "not measured in this run" not in report.read_text()
    assert cli.main(["build-model", "--real-world", str(folder), "--model", str(tmp_path / "x.npz"), "--no-measure",
                     "--no-nested-calibration", "--quiet"]) == 2
    assert "drop --no-measure" in capsys.readouterr().err


def test_build_model_refuses_a_folder_without_manifest(tmp_path, capsys):
    folder = make_clip_folder(tmp_path / "clips", manifest=False)
    assert cli.main(["build-model", "--real-world", str(folder), "--model", str(tmp_path / "m.npz"), "--quiet"]) == 2
    assert "manifest.csv" in capsys.readouterr().err and not (tmp_path / "m.npz").exists()


# ------------------------------------------------------------------------------- the shipped model

def test_the_shipped_model_loads_and_is_calibrated():
    from speechmusic.apps.pipeline import default_model_path, load_default_classifier

    assert default_model_path().is_file()
    model = load_default_classifier()
    assert model.is_default and model.name == dm.DEFAULT_MODEL_NAME
    assert model.calibration is not None and model.feature_kind == dm.DEFAULT_RECIPE.feature_kind
    assert model.class_names == ("speech", "music", "noise")  # the lab stays binary; the tools hear noise too
    assert model.metadata["data"]["real_clips"] == 204 and model.metadata["data"]["sources"] == 37
    assert model.metadata["data"]["differences_from_list"] == []  # built from exactly the packaged list
    assert dm.Recipe.from_dict(model.metadata["recipe"]) == dm.DEFAULT_RECIPE
    assert dm.attribution_path(default_model_path()).is_file()  # its credits travel with it


def test_predict_segment_and_evaluate_use_the_shipped_model_without_model(tiny_dataset, tmp_path, capsys):
    from model_helpers import alternating_recording

    from speechmusic.apps.pipeline import default_model_path

    path = write_audio(tmp_path / "show.wav", alternating_recording([("music", 6.0), ("speech", 6.0)])[0])
    assert cli.main(["predict", str(path), "--summary"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.startswith(f"model: {dm.DEFAULT_MODEL_NAME}, shipped with speechmusic ({default_model_path()};")
    assert cli.main(["predict", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == str(default_model_path())
    from speechmusic.apps.pipeline import load_default_classifier

    assert result["model_info"] == {"path": str(default_model_path()), "name": dm.DEFAULT_MODEL_NAME,
                                    "default": True, "calibrated": True,
                                    "labels": list(load_default_classifier().class_names)}
    assert cli.main(["segment", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["model_info"]["default"] is True
    assert f"model: {dm.DEFAULT_MODEL_NAME}" in captured.err
    assert cli.main(["evaluate", "--data-dir", str(tiny_dataset), "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["model_info"]["default"] is True

    # --model still overrides, and says so.
    from model_helpers import save_model

    own = save_model(tiny_dataset, tmp_path / "own.npz")
    assert cli.main(["predict", str(path), "--model", str(own), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model_info"]["default"] is False


@pytest.mark.parametrize("command", ["predict", "segment", "evaluate"])
def test_help_names_the_default_model(command, capsys):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default: the speechmusic default model shipped with the package" in text and "model-card.md" in text


def test_a_missing_default_model_is_one_clear_error(tmp_path, monkeypatch, capsys):
    from speechmusic.apps import pipeline

    monkeypatch.setattr(pipeline, "default_model_path", lambda: tmp_path / "gone.npz")
    write_audio(tmp_path / "x.wav", np.zeros(SR, dtype=np.float32) + 0.1)
    assert cli.main(["predict", str(tmp_path / "x.wav")]) == 2
    err = capsys.readouterr().err
    assert "default model is missing" in err and "--model" in err and err.count("\n") == 1


@pytest.mark.slow
@pytest.mark.real_world
def test_the_shipped_weights_are_reproduced_from_the_shared_copy(tmp_path):
    if not (SHARED_REAL_WORLD / "manifest.csv").is_file():
        pytest.skip("../shared/real-world is not present on this machine")
    from speechmusic.apps.pipeline import default_model_path, load_classifier

    out = tmp_path / "rebuilt.npz"
    assert cli.main(["build-model", "--real-world", str(SHARED_REAL_WORLD), "--model", str(out), "--no-measure",
                     "--quiet"]) == 0
    shipped, rebuilt = load_classifier(default_model_path()), load_classifier(out)
    assert rebuilt.metadata["data"]["fingerprint"] == shipped.metadata["data"]["fingerprint"], \
        "../shared/real-world is not the data the shipped model was built from"
    # Equal to the last bits of float32 features: a build in a fresh environment differed from the
    # shipped one by at most 1.6e-9 in a weight (7e-7 relative, on weights near 0), where a change
    # of recipe, data or generator moves weights by 1e-3 and more.
    tolerance = {"rtol": 1e-6, "atol": 1e-8}
    for name in ("coef_", "mean_", "scale_"):
        np.testing.assert_allclose(getattr(rebuilt.model, name), getattr(shipped.model, name), **tolerance)
    np.testing.assert_allclose(rebuilt.model.intercept_, shipped.model.intercept_, **tolerance)
    np.testing.assert_allclose(rebuilt.calibration.a, shipped.calibration.a, **tolerance)
    np.testing.assert_allclose(rebuilt.calibration.b, shipped.calibration.b, **tolerance)
    assert rebuilt.metadata["recipe"] == shipped.metadata["recipe"]
