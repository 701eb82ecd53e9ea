"""The real-world source against a local server in raw.githubusercontent.com's layout.

Originals are generated (tests/sources/real_world_set.py) with their checksums computed here; one
test also serves the files of ../shared/real-world that are whole originals, when it is present.
"""

from __future__ import annotations

import csv
import hashlib
import io
import warnings
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
import soundfile as sf

from sources.archive_server import clips_under, closed_port_url, files_under
from sources.real_world_set import CLIPS, originals, serve, write_manifest
from speechmusic.cli import main as cli
from speechmusic.core.audio import decode
from speechmusic.core.errors import ParameterError
from speechmusic.data.sources import ChecksumError, DownloadError, NotFoundError, fetch, real_world
from speechmusic.data.sources.real_world import (
    ATTRIBUTION_NAME,
    FOLDER_FIELDS,
    assign_splits,
    licence_family,
    load_manifest,
)
from speechmusic.data.sources.real_world_folder import build_real_world_folder

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "real-world"


@pytest.fixture(scope="module")
def files():
    return originals()


@pytest.fixture
def manifest(tmp_path, files):
    return write_manifest(tmp_path / "list.csv", files)


def data_manifest(data: Path) -> list[dict]:
    with (data / "manifest.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def run_lab(server, data, manifest, *extra):
    return cli(["download", "--source", "real-world", "--data-dir", str(data), "--mirror", server.base,
                "--real-world-manifest", str(manifest), "--quiet", *extra])


def best_correlation(clip: np.ndarray, reference: np.ndarray, max_lag: int = 30) -> float:
    """Largest correlation of ``clip`` with ``reference`` shifted by up to ``max_lag`` samples either way."""
    core = clip[max_lag: clip.size - max_lag]
    return max(np.corrcoef(core, reference[max_lag + lag: max_lag + lag + core.size])[0, 1]
               for lag in range(-max_lag, max_lag + 1))


def digests(paths):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


# --- the packaged list --------------------------------------------------------------------------


def test_packaged_list_describes_the_shared_set():
    entries = load_manifest()
    assert len(entries) == 204
    assert Counter(e.label for e in entries) == {"speech": 62, "music": 102, "neither": 40}
    assert {e.label_name for e in entries} == {"speech", "music", "noise"}  # neither is the tools' noise label
    assert len({e.repo for e in entries}) == 37
    assert all(len(e.commit) == 40 and e.duration_s <= 20.05 for e in entries)  # stream-copy cuts: +- 20 ms
    assert all(licence_family(e.licence) != "other" for e in entries)  # every statement is classified
    splits = assign_splits(entries)
    for label in ("speech", "music", "neither"):
        total = sum(e.duration_s for e in entries if e.label == label)
        test = sum(e.duration_s for e in entries if e.label == label and splits[e.group] == "test")
        assert 0.15 * total < test <= 0.25 * total
        assert len({e.group for e in entries if e.label == label and splits[e.group] == "test"}) >= 3
    # Owners that reuse voices across their repositories are one group.
    assert len({splits[e.group] for e in entries if e.repo.startswith("Picovoice/")}) == 1
    assert assign_splits(list(reversed(entries))) == splits  # the order of the list does not matter


def test_packaged_list_matches_the_shared_copy():
    if not (SHARED / "manifest.csv").is_file():
        pytest.skip("../shared/real-world is not present on this machine")
    with (SHARED / "manifest.csv").open(newline="", encoding="utf-8") as f:
        shared = {row["id"]: row for row in csv.DictReader(f)}
    entries = load_manifest()
    assert [e.id for e in entries] == list(shared)
    for entry in entries:
        row = shared[entry.id]
        for name in real_world.FIELDS:
            value = getattr(entry, name)
            assert (float(row[name]) == value) if isinstance(value, float) else (row[name] == value), (entry.id, name)


@pytest.mark.parametrize("problem, message", [
    (lambda rows: rows[1].update(source_sha256="abc"), "line 3: source_sha256 must be 64"),
    (lambda rows: rows[2].update(id=rows[0]["id"]), "appears twice"),
    (lambda rows: rows[0].update(label="applause"), "label must be one of"),
    (lambda rows: rows[0].update(start_s="soon"), "must be numbers"),
    (lambda rows: rows[0].update(path=""), "path must be given"),
])
def test_a_bad_list_is_refused_naming_the_line(tmp_path, manifest, problem, message):
    with manifest.open(newline="") as f:
        rows = list(csv.DictReader(f))
    problem(rows)
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=real_world.FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ParameterError, match=message):
        load_manifest(bad)


# --- the lab source -----------------------------------------------------------------------------


def test_lab_source_good_path(server, tmp_path, files, manifest, capsys):
    serve(server, files)
    data = tmp_path / "data"
    assert run_lab(server, data, manifest, "--train", "3", "--test", "2") == 0
    out = capsys.readouterr().out
    assert "sha256 verified for every original" in out
    rows = data_manifest(data)
    assert Counter((r["split"], r["label"]) for r in rows) == {
        ("train", "speech"): 3, ("train", "music"): 3, ("test", "speech"): 2, ("test", "music"): 2}
    for path in clips_under(data):
        info = sf.info(str(path))
        assert (info.samplerate, info.channels, info.frames) == (22050, 1, 66150)
        assert path.name.startswith("realworld-")
    entries = {e.original: e for e in load_manifest(manifest)}
    for row in rows:
        assert row["source"] == "real-world"
        entry = entries[row["original"]]  # the canonical raw.githubusercontent.com address
        assert row["original"].startswith("https://raw.githubusercontent.com/")
        assert entry.licence in row["licence"] and entry.attribution in row["licence"]
        # the clip is the original's audio at the recorded offset (seconds into the original file)
        # (offsets are recorded to the millisecond, so allow for up to a millisecond of shift)
        clip, _ = sf.read(str(data / row["path"]), dtype="float32")
        name = next(n for n, o in files.items() if o.path == entry.path)
        expected = decode(io.BytesIO(files[name].data), offset=float(row["offset"]), duration=3.1)
        assert best_correlation(clip, expected) > 0.98, row["path"]
    # clips come from several recordings (every source's first clip before any second one)
    assert len({r["original"] for r in rows if (r["split"], r["label"]) == ("train", "music")}) >= 2


def test_lab_split_is_disjoint_by_source_and_deterministic(server, tmp_path, files, manifest):
    serve(server, files)
    runs = []
    for name in ("a", "b"):
        data = tmp_path / name
        assert run_lab(server, data, manifest, "--train", "20", "--test", "20") == 0
        runs.append(sorted((r["split"], r["original"], r["offset"]) for r in data_manifest(data)))
    assert runs[0] == runs[1]
    entries = load_manifest(manifest)
    owner = {e.original: e.group for e in entries}
    split_of = {}
    for split, original, _ in runs[0]:
        split_of.setdefault(owner[original], set()).add(split)
    assert all(len(s) == 1 for s in split_of.values())
    # both alpha/* repositories (one owner) in one split; each class has test audio
    assert split_of["alpha"] == {"train"} and split_of["beta"] == {"test"} and split_of["zeta"] == {"test"}


def test_everything_the_set_has_and_the_shortfall_is_explained(server, tmp_path, files, manifest):
    serve(server, files)
    report = fetch("real-world", tmp_path / "data", n_train=100, n_test=100, mirror=server.base,
                   real_world_manifest=manifest, progress=False, log=lambda s: None)[0]
    # every full 3-s window of every clip: the 2-window clips and the 9-s song give 3
    assert report.written == {("train", "speech"): 6, ("train", "music"): 7,
                              ("test", "speech"): 2, ("test", "music"): 2}
    assert "the real-world set has no more" in report.summary()


def test_url_encoding_of_paths_with_spaces_and_hash(server, tmp_path, files, manifest):
    serve(server, files)
    assert run_lab(server, tmp_path / "data", manifest, "--train", "5", "--test", "5") == 0
    reading = files["reading"]
    assert f"/gamma/voices/{reading.commit}/data/read%20aloud%20%231%20%2850%25%29.flac" in server.state.raw_paths
    assert server.gets(f"gamma/voices/{reading.commit}/{reading.path}")  # the server found the file


def test_checksum_mismatch_is_refused_naming_the_clip(server, tmp_path, files):
    serve(server, files)
    manifest = write_manifest(tmp_path / "list.csv", files, wrong_sha="interview")
    data = tmp_path / "data"
    with pytest.raises(ChecksumError) as info:
        fetch("real-world", data, n_train=3, n_test=2, mirror=server.base, real_world_manifest=manifest,
              progress=False, log=lambda s: None)
    message = str(info.value)
    assert "interview" in message and "alpha/more-speech" in message and "checksum mismatch" in message
    assert "--source synthetic" in message
    assert clips_under(data) == [] and not (data / "manifest.csv").exists() and not (data / ATTRIBUTION_NAME).exists()
    cached = [p.name for p in files_under(data / ".cache" / "downloads" / "real-world")]
    assert not any("interview" in name for name in cached)  # the wrong download was discarded


def test_missing_original_skips_its_clips_and_the_rest_still_come(server, tmp_path, files, manifest):
    serve(server, files, skip=("song",))
    data = tmp_path / "data"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = real_world.fetch(data, n_train=20, n_test=20, manifest=manifest, base_url=server.base,
                                  progress=False)
    assert report.missing == ["song"]
    assert any("song" in str(w.message) and "HTTP 404" in str(w.message) for w in caught)
    assert "1 files are gone" in report.summary()
    originals_used = {r["original"] for r in data_manifest(data)}
    assert not any(o.endswith("/song.mp3") for o in originals_used)
    assert report.written[("train", "music")] == 4  # theme-a and theme-b only
    assert "song" not in (data / ATTRIBUTION_NAME).read_text()


def test_every_original_missing_fails_and_writes_nothing(server, tmp_path, files, manifest):
    data = tmp_path / "data"  # the server has none of the files
    with pytest.raises(NotFoundError, match="none of the real-world originals"):
        fetch("real-world", data, n_train=2, n_test=1, mirror=server.base, real_world_manifest=manifest,
              progress=False, log=lambda s: None)
    assert clips_under(data) == []


def test_unreachable_network_fails_cleanly_and_names_the_offline_source(tmp_path, manifest):
    data = tmp_path / "data"
    base = closed_port_url("").rstrip("/")
    assert cli(["download", "--source", "real-world", "--data-dir", str(data), "--mirror", base, "--retries", "0",
                "--real-world-manifest", str(manifest), "--quiet"]) == 2
    assert clips_under(data) == []


def test_resume_cache_and_rerun(server, tmp_path, files, manifest):
    serve(server, files)
    theme = files["theme"]
    theme_path = f"{theme.repo}/{theme.commit}/{theme.path}"
    server.drop(theme_path, after=len(theme.data) // 3)  # the first transfer breaks off
    data = tmp_path / "data"
    assert run_lab(server, data, manifest, "--train", "3", "--test", "2") == 0
    ranges = [r[2] for r in server.gets(theme_path)]
    assert ranges[0] is None and ranges[1] == f"bytes={len(theme.data) // 3}-"  # resumed, not restarted
    clips = digests(clips_under(data))

    # Same command again: enough clips, so no request at all; nothing rewritten.
    before = len(server.state.requests)
    assert run_lab(server, data, manifest, "--train", "3", "--test", "2") == 0
    assert len(server.state.requests) == before
    assert digests(clips_under(data)) == clips

    # Another data folder with the same cache: the originals come from the cache, not the server.
    other = tmp_path / "other"
    assert cli(["download", "--source", "real-world", "--data-dir", str(other), "--mirror", server.base,
                "--real-world-manifest", str(manifest), "--cache-dir", str(data / ".cache" / "downloads"),
                "--train", "3", "--test", "2", "--quiet"]) == 0
    assert len(server.state.requests) == before
    assert len(clips_under(other)) == 10

    # Asking for more adds the difference and keeps what is there.
    assert run_lab(server, data, manifest, "--train", "5", "--test", "2") == 0
    after = digests(clips_under(data))
    assert len(after) == 14 and all(after[p] == d for p, d in clips.items())


def test_never_overwrites_a_file_in_the_way(server, tmp_path, files, manifest):
    serve(server, files)
    probe = tmp_path / "probe"
    assert run_lab(server, probe, manifest, "--train", "2", "--test", "1") == 0
    names = [p.relative_to(probe) for p in clips_under(probe)]
    data = tmp_path / "data"
    for name in names:  # the learner's own files, exactly where this run will want to write
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_bytes(b"my own recording")
    assert run_lab(server, data, manifest, "--train", "2", "--test", "1") == 0
    assert all((data / name).read_bytes() == b"my own recording" for name in names)
    assert len(data_manifest(data)) == len(names)
    assert all(Path(r["path"]).stem.endswith("-2") for r in data_manifest(data))


def test_attribution_file(server, tmp_path, files, manifest):
    serve(server, files)
    data = tmp_path / "data"
    assert run_lab(server, data, manifest, "--train", "20", "--test", "20") == 0
    text = (data / ATTRIBUTION_NAME).read_text()
    for clip_id, _label, _name, _start, _duration, licence, attribution in CLIPS:
        assert f"`{clip_id}`" in text and attribution in text and licence in text
    for heading in ("## CC0 (https://creativecommons.org/publicdomain/zero/1.0/)", "## CC BY-SA 4.0",
                    "## CC BY (version not stated)", "## MIT", "## Apache-2.0"):
        assert heading in text
    assert "share alike" in text and "copyright notice" in text
    reading = files["reading"]
    assert f"https://github.com/gamma/voices/blob/{reading.commit}/{quote(reading.path)}" in text
    assert "clips in test" in text and "clips in train" in text
    # Deleted by the user: the next run writes it again, without the network.
    (data / ATTRIBUTION_NAME).unlink()
    before = len(server.state.requests)
    assert run_lab(server, data, manifest, "--train", "20", "--test", "20") == 0
    assert (data / ATTRIBUTION_NAME).read_text() == text and len(server.state.requests) == before


@pytest.mark.parametrize("option", [["--url", "http://127.0.0.1:9/x"], ["--sha256", "a" * 64], ["--subset", "dev-clean"]])
def test_archive_options_do_not_apply(tmp_path, manifest, option, capsys):
    assert cli(["download", "--source", "real-world", "--data-dir", str(tmp_path / "d"), "--quiet",
                "--real-world-manifest", str(manifest), *option]) == 2
    assert "does not apply to the real-world source" in capsys.readouterr().err


# --- a folder like the shared copy ------------------------------------------------------------


def test_build_folder_layout_and_exactness(server, tmp_path, files, manifest):
    serve(server, files)
    folder = tmp_path / "real-world"
    report = build_real_world_folder(folder, manifest=manifest, base_url=server.base, progress=False)
    assert sorted(report.written) == sorted(c[0] for c in CLIPS) and report.present == [] and report.missing == []
    with (folder / "manifest.csv").open(newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    assert list(next(iter(rows.values()))) == list(FOLDER_FIELDS)
    assert set(rows) == {c[0] for c in CLIPS}
    paths = {p.stem: p for p in (folder / "speech").iterdir()} | {p.stem: p for p in (folder / "music").iterdir()}
    assert set(paths) == set(rows)
    # whole originals: byte for byte, their own format
    assert paths["talk-whole"].read_bytes() == files["talk"].data and paths["talk-whole"].suffix == ".wav"
    assert paths["loop"].read_bytes() == files["loop"].data
    # lossless cuts: sample-exact, same rate, channels and sample type
    for clip_id, name, start, duration in (("call-centre", "call", 2.0, 8.0), ("reading", "reading", 1.0, 8.0),
                                           ("interview", "interview", 1.0, 6.0)):
        original = sf.info(io.BytesIO(files[name].data))
        info = sf.info(str(paths[clip_id]))
        assert (info.samplerate, info.channels, info.subtype, info.format) == (
            original.samplerate, original.channels, original.subtype, original.format)
        whole, sr = sf.read(io.BytesIO(files[name].data), dtype="int32")
        cut, _ = sf.read(str(paths[clip_id]), dtype="int32")
        assert np.array_equal(cut, whole[round(start * sr): round((start + duration) * sr)])
        assert float(rows[clip_id]["duration_s"]) == pytest.approx(duration, abs=1e-3)
    assert rows["call-centre"]["codec"] == "pcm_u8" and rows["reading"]["codec"] == "flac"
    # lossy originals (Ogg Vorbis, and an MP3 longer than its clip): FLAC at the original's rate and channels
    for clip_id, name, start, duration in (("theme-a", "theme", 3.0, 7.0), ("theme-b", "theme", 12.0, 6.5),
                                           ("song", "song", 0.0, 9.0)):
        info = sf.info(str(paths[clip_id]))
        original = sf.info(io.BytesIO(files[name].data))
        assert paths[clip_id].suffix == ".flac"
        assert (info.samplerate, info.channels) == (original.samplerate, original.channels)
        assert info.frames == round(duration * original.samplerate)
        whole, sr = sf.read(io.BytesIO(files[name].data), dtype="float32", always_2d=True)
        cut, _ = sf.read(str(paths[clip_id]), dtype="float32", always_2d=True)
        reference = whole[round(start * sr): round(start * sr) + cut.shape[0], 0]
        assert np.corrcoef(cut[:, 0], reference)[0, 1] > 0.99
    text = (folder / "ATTRIBUTION.md").read_text()
    assert all(f"`{c[0]}`" in text for c in CLIPS)
    # the originals were fetched once each (theme-a and theme-b share one)
    theme = files["theme"]
    assert len(server.gets(f"{theme.repo}/{theme.commit}/{theme.path}")) == 1


def test_build_folder_again_adds_nothing_and_keeps_files(server, tmp_path, files, manifest):
    serve(server, files)
    folder = tmp_path / "rw"
    build_real_world_folder(folder, manifest=manifest, base_url=server.base, progress=False)
    before = digests(files_under(folder / "speech") + files_under(folder / "music"))
    requests = len(server.state.requests)
    report = build_real_world_folder(folder, manifest=manifest, base_url=server.base, progress=False)
    assert report.written == [] and len(report.present) == len(CLIPS)
    assert len(server.state.requests) == requests  # nothing downloaded
    assert digests(files_under(folder / "speech") + files_under(folder / "music")) == before
    # a clip file the user replaced is kept as it is
    (folder / "speech" / "interview.wav").write_bytes(b"edited")
    with pytest.warns(RuntimeWarning, match="interview.wav: cannot read it"):
        build_real_world_folder(folder, manifest=manifest, base_url=server.base, progress=False)
    assert (folder / "speech" / "interview.wav").read_bytes() == b"edited"


def test_build_folder_missing_original_fails_whole_unless_allowed(server, tmp_path, files, manifest):
    serve(server, files, skip=("theme", "call"))
    folder = tmp_path / "rw"
    with pytest.raises(NotFoundError) as info:
        build_real_world_folder(folder, manifest=manifest, base_url=server.base, progress=False)
    message = str(info.value)
    assert "theme-a" in message and "theme-b" in message and "call-centre" in message and "allow_missing" in message
    assert not (folder / "speech").exists() and not (folder / "music").exists()
    assert not (folder / "manifest.csv").exists()
    report = build_real_world_folder(folder, manifest=manifest, base_url=server.base, progress=False,
                                     allow_missing=True)
    assert sorted(report.missing) == ["call-centre", "theme-a", "theme-b"]
    with (folder / "manifest.csv").open(newline="") as f:
        assert {r["id"] for r in csv.DictReader(f)} == {c[0] for c in CLIPS} - set(report.missing)
    # once the files are back, a run adds exactly them
    serve(server, files)
    report = build_real_world_folder(folder, manifest=manifest, base_url=server.base, progress=False)
    assert sorted(report.written) == ["call-centre", "theme-a", "theme-b"]


def test_build_folder_checksum_mismatch_changes_nothing(server, tmp_path, files):
    serve(server, files)
    manifest = write_manifest(tmp_path / "list.csv", files, wrong_sha="song")
    folder = tmp_path / "rw"
    with pytest.raises(ChecksumError, match="song"):
        build_real_world_folder(folder, manifest=manifest, base_url=server.base, progress=False)
    assert not (folder / "music").exists() and not (folder / "manifest.csv").exists()


def test_build_folder_refuses_a_foreign_manifest(tmp_path, manifest):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "manifest.csv").write_text("id,label\nsomething-else,music\n")
    with pytest.raises(ParameterError, match="not a folder made by build_real_world_folder"):
        build_real_world_folder(folder, manifest=manifest, base_url=closed_port_url(""), progress=False)
    assert (folder / "manifest.csv").read_text() == "id,label\nsomething-else,music\n"


@pytest.mark.real_world
def test_build_folder_reproduces_the_shared_copy_from_whole_originals(server, tmp_path):
    """The shared copy's clips that are whole original files, served as their originals, come back byte
    for byte (and the others, not served, are reported missing)."""
    if not (SHARED / "manifest.csv").is_file():
        pytest.skip("../shared/real-world is not present on this machine")
    served = set()
    for entry in load_manifest():
        clip = next((SHARED / entry.label).glob(f"{entry.id}.*"))
        data = clip.read_bytes()
        if hashlib.sha256(data).hexdigest() == entry.source_sha256:
            server.add_raw(entry.repo, entry.commit, entry.path, data)
            served.add(entry.id)
    assert len(served) >= 50
    folder = tmp_path / "rw"
    report = build_real_world_folder(folder, base_url=server.base, progress=False, allow_missing=True)
    assert sorted(report.written) == sorted(served)
    assert len(report.missing) == len(load_manifest()) - len(served)
    with (SHARED / "manifest.csv").open(newline="", encoding="utf-8") as f:
        shared_rows = {r["id"]: r for r in csv.DictReader(f)}
    with (folder / "manifest.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        clip = next((SHARED / row["label"]).glob(f"{row['id']}.*"))
        assert (folder / row["label"] / clip.name).read_bytes() == clip.read_bytes()
        for name in FOLDER_FIELDS:
            if name != "duration_s":
                assert row[name] == shared_rows[row["id"]][name] or float(row[name]) == float(
                    shared_rows[row["id"]][name]), (row["id"], name)
        assert float(row["duration_s"]) == pytest.approx(float(shared_rows[row["id"]]["duration_s"]), abs=0.03)


# --- the quick start's music ----------------------------------------------------------------------


def test_quickstart_falls_back_to_real_world_music_when_gtzan_is_unreachable(server, tmp_path, files, manifest,
                                                                            libri_dev, capsys):
    data = tmp_path / "data"
    server.add("dev-clean.tar.gz", libri_dev)  # no music_speech.tar.gz on this mirror: HTTP 404
    serve(server, files)
    assert cli(["download", "--source", "quickstart", "--data-dir", str(data), "--mirror", server.base,
                "--no-verify", "--real-world-manifest", str(manifest), "--train", "3", "--test", "2",
                "--quiet"]) == 0
    assert "trying the next music source" in capsys.readouterr().out
    rows = data_manifest(data)
    assert Counter((r["source"], r["split"], r["label"]) for r in rows) == {
        ("librispeech", "train", "speech"): 3, ("librispeech", "test", "speech"): 2,
        ("real-world", "train", "music"): 3, ("real-world", "test", "music"): 2}
    assert not server.gets("musan.tar.gz")  # MUSAN is its own source now, never streamed by the quick start
    assert (data / ATTRIBUTION_NAME).is_file()
    for path in clips_under(data):
        assert sf.info(str(path)).frames == 66150
    # the music originals only: no speech original was fetched
    speech_paths = {f"{o.repo}/{o.commit}/{o.path}" for n, o in files.items() if n in ("talk", "interview", "call",
                                                                                       "reading")}
    assert not any(server.gets(p) for p in speech_paths)


def test_quickstart_without_any_music_keeps_speech_and_explains(server, tmp_path, manifest, libri_dev, capsys):
    data = tmp_path / "data"
    server.add("dev-clean.tar.gz", libri_dev)
    code = cli(["download", "--source", "quickstart", "--data-dir", str(data), "--mirror", server.base,
                "--no-verify", "--real-world-manifest", str(manifest), "--train", "2", "--test", "1", "--quiet",
                "--retries", "0"])
    assert code == 2
    err = capsys.readouterr().err
    assert "no music source could be reached" in err and "music_speech.tar.gz" in err
    assert "gtzan-musicspeech-collection.zip" in err  # how to place the Kaggle copy
    assert "the real-world set" in err and "--source musan" in err
    assert ".venv/bin/python download_samples.py --source synthetic" in err
    assert not (data / "train" / "music").exists()
    assert len(list((data / "train" / "speech").glob("*.wav"))) == 2


def test_quickstart_refuses_a_wrong_real_world_file(server, tmp_path, files, libri_dev):
    # A checksum mismatch is not "unreachable": the quick start stops rather than switching sources.
    server.add("dev-clean.tar.gz", libri_dev)
    serve(server, files)
    manifest = write_manifest(tmp_path / "list.csv", files, wrong_sha="theme-a")
    with pytest.raises(DownloadError, match="theme-a"):
        fetch("quickstart", tmp_path / "data", n_train=2, n_test=1, mirror=server.base, verify=True,
              real_world_manifest=manifest, progress=False, log=lambda s: None)
    assert not (tmp_path / "data" / "train" / "music").exists()
