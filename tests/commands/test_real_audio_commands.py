"""The commands on real recordings (../shared/real-audio), with a model trained only on synthetic audio.

Skipped when the recordings are absent. Clips of one recording never appear on both sides: the
model sees no real audio at all.
"""

import json

import numpy as np
import pytest

from conftest import SR, write_audio
from speechmusic import cli
from speechmusic.audio import decode
from speechmusic.segmentation import read_segments_csv

pytestmark = [pytest.mark.slow, pytest.mark.real_audio]


@pytest.fixture(scope="module")
def synthetic_model(tmp_path_factory):
    pytest.importorskip("speechmusic.synth")
    from speechmusic.synth import build_synthetic_dataset

    root = tmp_path_factory.mktemp("synthetic")
    # 60 training clips per class: what `download --source synthetic` (and the demo) make by
    # default. With 20 the model mislabelled several seconds of real speech for some seeds.
    build_synthetic_dataset(root / "data", n_train=60, n_test=2, seed=0, progress=False)
    model = root / "model.npz"
    assert cli.main(["train", "--data-dir", str(root / "data"), "--model", str(model), "--quiet"]) == 0
    return model


def test_evaluate_on_real_clips(real_audio, synthetic_model, tmp_path, capsys):
    data = tmp_path / "real"
    for label in ("speech", "music"):
        assert cli.main(["prepare", "--from-folder", str(real_audio / label), "--label", label, "--split", "test",
                         "--data-dir", str(data), "--quiet"]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", "--data-dir", str(data), "--model", str(synthetic_model), "--json", "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == sum(map(sum, report["confusion"])) > 100
    recall = {name: c["recall"] for name, c in report["per_class"].items()}
    # Measured 0.97 (music) and 0.94 (speech, 16 clips) with this setup; the thresholds leave room for noise.
    assert recall["music"] >= 0.8 and recall["speech"] >= 0.6
    assert report["balanced_accuracy"] >= 0.75


def test_predict_labels_real_recordings(real_audio, synthetic_model, capsys):
    files = sorted((real_audio / "speech").glob("*.ogg"))[:2] + sorted((real_audio / "music").glob("*.ogg"))[:2]
    assert cli.main(["predict", *map(str, files), "--model", str(synthetic_model), "--json", "--quiet"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in results] == ["speech", "speech", "music", "music"]
    assert all(len(r["windows"]) >= 4 for r in results)  # every file is longer than one clip


def test_segment_a_real_programme(real_audio, synthetic_model, tmp_path, capsys):
    speech = sorted((real_audio / "speech").glob("*.ogg"))
    music = decode(real_audio / "music" / "Kevin_MacLeod_-_Vibe_Ace.ogg")[10 * SR : 30 * SR]
    parts = [decode(speech[1]), music, decode(speech[2])]
    parts = [0.7 * p / np.abs(p).max() for p in parts]
    edges = np.cumsum([0] + [p.size for p in parts]) / SR
    path = write_audio(tmp_path / "programme.flac", np.concatenate(parts))
    csv_path = tmp_path / "programme.csv"
    assert cli.main(["segment", str(path), "--model", str(synthetic_model), "--csv", str(csv_path), "--quiet"]) == 0
    segments = read_segments_csv(csv_path)
    assert [s.label for s in segments] == ["speech", "music", "speech"]
    for found, true in zip([s.start for s in segments[1:]], edges[1:3]):
        assert abs(found - true) <= 3.0, (found, true)


def _music(real_audio, name, start, end):
    return decode(real_audio / "music" / name, offset=start, duration=end - start)


# (label, source) parts: speech = a LibriSpeech file (index in sorted order, optionally cut to
# seconds), music = (track, start, end). Both orders, short parts (8 s) inside long ones, 3-5 parts.
PROGRAMMES = {
    "music-speech-music": [("music", ("147793__setuniman__sweet-waltz-0i-22mi.ogg", 0, 25)), ("speech", (0, None)),
                           ("music", ("Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg", 5, 30))],
    "8-s speech inside music": [("music", ("147793__setuniman__sweet-waltz-0i-22mi.ogg", 0, 20)), ("speech", (0, 8)),
                                ("music", ("Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg", 10, 30))],
    "8-s jingle inside speech": [("speech", (1, None)), ("music", ("admiralbob77_-_Choice_-_Drum-bass.ogg", 0, 8)),
                                 ("speech", (2, None))],
    "four parts, music last": [("speech", (1, None)),
                               ("music", ("442789__lena-orsa__happy-music-pistachio-ice-cream-ragtime.ogg", 20, 50)),
                               ("speech", (0, None)),
                               ("music", ("Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.ogg", 40, 55))],
}


# Known failure of the synthetic-only model since the default kind is "dynamics" (issue 10): it gives
# the 8-s drum-and-bass jingle windows p(speech) 0.07-0.78 (mean 0.4), so the smoothing keeps the
# speech around it. The pooled model called it music, but pooled is much worse on real recordings of
# unseen sources (docs/features.md). The synthetic set's percussion is where this should be fixed;
# strict, so that the case is restored when it passes.
JINGLE_XFAIL = pytest.mark.xfail(strict=True, reason="synthetic-only dynamics model misses a drum-and-bass jingle")


@pytest.mark.parametrize("name", [pytest.param(n, marks=JINGLE_XFAIL) if n == "8-s jingle inside speech" else n
                                  for n in PROGRAMMES])
def test_segment_real_programmes_of_several_shapes(real_audio, synthetic_model, name):
    from speechmusic.pipeline import load_classifier
    from speechmusic.segmentation import segment_signal

    speech = sorted((real_audio / "speech").glob("*.ogg"))
    parts = []
    for label, source in PROGRAMMES[name]:
        if label == "speech":
            index, seconds = source
            y = decode(speech[index])
            parts.append(y if seconds is None else y[: seconds * SR])
        else:
            parts.append(_music(real_audio, *source))
    parts = [0.7 * p / np.abs(p).max() for p in parts]
    edges = np.cumsum([0] + [p.size for p in parts]) / SR
    result = segment_signal(np.concatenate(parts), load_classifier(synthetic_model))
    assert [s.label for s in result.segments] == [label for label, _ in PROGRAMMES[name]]
    for found, true in zip([s.start for s in result.segments[1:]], edges[1:-1]):
        assert abs(found - true) <= 3.0, (found, true)  # measured 0-1 s with this model
