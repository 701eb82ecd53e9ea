"""The synthetic dataset on disk: per-clip seeds, names, the README and :func:`build_synthetic_dataset`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from speechmusic.core.config import DEFAULT_PARAMS, SPLITS
from speechmusic.core.errors import ParameterError
from speechmusic.core.fileio import write_text
from speechmusic.data.ingest import ClipWriter
from speechmusic.data.synth.clips import synthesize_music, synthesize_noise, synthesize_silence, synthesize_speech
from speechmusic.data.synth.common import LICENCE, PARALLEL_MIN_CLIPS, README_NAME, SOURCE_NAME, SYNTH_VERSION
from speechmusic.data.synth.conditions import CONDITIONS, DEFAULT_CONDITIONS, get_conditions

# --------------------------------------------------------------------------------------------
# Dataset
# --------------------------------------------------------------------------------------------

_SYNTHESIZERS = {"speech": synthesize_speech, "music": synthesize_music, "noise": synthesize_noise,
                 "silence": synthesize_silence}
#: The labels the generator writes, each with the number of its random stream (music 0 and speech 1,
#: the lab's labels, as they have always been: the lab's clips depend on them).
STREAMS = {"music": 0, "speech": 1, "noise": 2, "silence": 3}
#: The labels :func:`build_synthetic_dataset` writes unless told otherwise: the lab's two.
DEFAULT_LABELS = ("speech", "music")


def clip_rng(seed: int, split: str, label: str, index: int, conditions: str = DEFAULT_CONDITIONS) -> np.random.Generator:
    """The random generator of one dataset clip: depends only on (seed, split, label, index, conditions).

    The "lab" preset's stream is ``default_rng([seed, split_id, stream_id, index])`` (``stream_id``:
    :data:`STREAMS`, music 0, speech 1, noise 2, silence 3); another preset appends its position in
    :data:`~speechmusic.data.synth.conditions.CONDITIONS`, so that its clips are drawn independently of
    the lab's.

    Examples
    --------
    >>> a = clip_rng(0, "train", "speech", 3).random()
    >>> b = clip_rng(0, "train", "speech", 3).random()
    >>> a == b
    True
    """
    if split not in SPLITS:
        raise ParameterError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if label not in STREAMS:
        raise ParameterError(f"label must be one of {', '.join(STREAMS)}, got {label!r}")
    key = [int(seed), SPLITS.index(split), STREAMS[label], int(index)]
    preset = list(CONDITIONS).index(get_conditions(conditions).name)
    return np.random.default_rng(key + [preset] if preset else key)


def synthesize_clip(seed: int, split: str, label: str, index: int, *, sample_rate: int = 22050,
                    duration: float = 3.0, conditions: str = DEFAULT_CONDITIONS) -> np.ndarray:
    """The dataset clip number ``index`` of ``split``/``label`` for ``seed`` and ``conditions`` (as written to disk)."""
    return _SYNTHESIZERS[label](clip_rng(seed, split, label, index, conditions), sample_rate=sample_rate,
                                duration=duration, conditions=conditions)


def clip_name(split: str, label: str, index: int, conditions: str = DEFAULT_CONDITIONS) -> str:
    """File name of a synthetic clip, e.g. ``synthetic-speech-train-0007.wav`` (lab) or
    ``synthetic-world-speech-train-0007.wav``."""
    preset = "" if get_conditions(conditions).name == "lab" else f"{get_conditions(conditions).name}-"
    return f"synthetic-{preset}{label}-{split}-{index:04d}.wav"


def _readme_text(seed: int, conditions: str, labels: Sequence[str] = DEFAULT_LABELS) -> str:
    if conditions == "lab":
        made = ("Speech-like clips: source-filter synthesis (glottal harmonics with gliding pitch in 80-250 Hz,\n"
                "formants moving between vowel targets, fricative and plosive noise, 3-6 syllables per second,\n"
                "pauses, several voices). Music-like clips: melodies and chords on musical scales with\n"
                "harmonic instrument timbres and envelopes, bass lines, sung melodies, percussion at a\n"
                "steady tempo.\n"
                "Both pass through random rooms, background noise and bandwidth limits.\n")
    else:
        made = ("Speech-like clips: source-filter synthesis with the rhythm and pitch of stress-, syllable-\n"
                "and mora-timed languages and of tone languages; running speech, read prompts and\n"
                "isolated words, some over a quiet music bed. Music-like clips: melodies, chords, bass\n"
                "lines, sung melodies and percussion, also on modes over drones with hand drums.\n"
                "Both pass through rooms (near and far), loud backgrounds (babble, cafe, street, hum,\n"
                "hiss at 0-20 dB SNR), telephone lines and codecs (G.711, GSM, ADPCM, mp3, Vorbis, Opus).\n")
    if conditions != "lab":
        made += "Music also with voices: a cappella singing, humming, choirs, songs, rap, jingles.\n"
    if "noise" in labels:
        made += ("Noise clips (neither speech nor music): coloured noise, hum, fans, machines, engines, traffic,\n"
                 "rain, wind, water, fire, birds, insects, applause, crowd murmur, typing, footsteps, tones,\n"
                 "sweeps, beeps, sirens, clicks and scenes mixing them.\n")
    if "silence" in labels:
        made += "Silence clips: digital silence, hiss and room tone at -90 to -55 dBFS.\n"
    return (
        "SYNTHETIC DATA - these recordings are not real speech or music.\n"
        "\n"
        f"The files synthetic-*.wav in train/ and test/ were generated by speechmusic.data.synth "
        f"(generator version {SYNTH_VERSION}) with seed {seed}.\n"
        f"Conditions: {conditions}\n"
        + made +
        "\n"
        "Each clip depends only on (seed, split, class, index, conditions), so running\n"
        f"  speechmusic.data.synth.build_synthetic_dataset(<this folder>, seed={seed}, conditions={conditions!r}"
        + ("" if tuple(labels) == DEFAULT_LABELS else f", labels={tuple(labels)!r}") + ")\n"
        "again recreates exactly the same files; existing files are never overwritten.\n"
        "Licence: generated audio, dedicated to the public domain.\n"
        "A model trained only on these clips learns what the generator does; expect lower accuracy\n"
        "on real recordings.\n"
    )


def _check_labels(labels) -> tuple[str, ...]:
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise ParameterError(f"labels must be a sequence of label names, e.g. ('speech', 'music', 'noise'), got {labels!r}")
    labels = tuple(labels)
    if not labels or len(set(labels)) != len(labels) or any(label not in STREAMS for label in labels):
        raise ParameterError(f"labels must be distinct names among {', '.join(STREAMS)}, got {labels!r}")
    return labels


def _check_count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(f"{name} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ParameterError(f"{name} must be a non-negative integer, got {value}")
    return int(value)


def _render_job(seed: int, split: str, label: str, index: int, conditions: str) -> np.ndarray:
    return synthesize_clip(seed, split, label, index, sample_rate=DEFAULT_PARAMS.sample_rate,
                           duration=DEFAULT_PARAMS.duration, conditions=conditions)


def conditions_in(data_dir: str | os.PathLike) -> set[str]:
    """The presets of the synthetic clips already in a data folder (by their file names)."""
    found = set()
    for split in SPLITS:
        for label in STREAMS:
            folder = Path(data_dir) / split / label
            if not folder.is_dir():
                continue
            for path in folder.glob("synthetic-*.wav"):
                rest = path.name[len("synthetic-"):]
                found.add(next((name for name in CONDITIONS if name != "lab" and rest.startswith(f"{name}-")), "lab"))
    return found


def build_synthetic_dataset(
    data_dir: str | os.PathLike,
    *,
    n_train: int = 60,
    n_test: int = 20,
    seed: int = 0,
    n_jobs: int | None = None,
    progress: bool = True,
    conditions: str = DEFAULT_CONDITIONS,
    labels: Sequence[str] = DEFAULT_LABELS,
) -> dict:
    """Write the synthetic dataset: ``n_train`` + ``n_test`` clips of each class of ``labels``.

    Files are ``data_dir/{train,test}/<label>/synthetic-<label>-<split>-<i:04d>.wav``
    (3 s, 22050 Hz, mono, 16-bit), written atomically. A file that already exists under that name
    is left alone (never overwritten), so a second run adds nothing and a run with a larger count
    only adds the missing clips. Each clip depends only on (``seed``, split, class, index).
    ``data_dir/SYNTHETIC_README.txt`` says the audio is synthetic and records the seed.

    Parameters
    ----------
    data_dir : path-like
        Dataset root (created if needed).
    n_train, n_test : int
        Clips per class in each split (non-negative).
    seed : int
        Seed of the whole dataset (non-negative).
    n_jobs : int or None
        Worker processes; None uses every core when there are many clips to make, 1 runs in this
        process.
    progress : bool
        Show a progress bar.
    conditions : {"lab", "world"}
        Preset of content and recording situations (:mod:`speechmusic.data.synth.conditions`): the
        lab's clips, or clips that look like people's recordings (for training a model for them).
        Their files are named ``synthetic-...`` and ``synthetic-world-...``; a folder holds one
        preset only.
    labels : sequence of str
        The classes to write, among "speech", "music", "noise" (sound that is neither:
        :func:`~speechmusic.data.synth.clips.synthesize_noise`) and "silence" (silence presets for
        measuring a level rule: :func:`~speechmusic.data.synth.clips.synthesize_silence`). The
        default is the lab's two; adding a label never changes the clips of the others.

    Returns
    -------
    dict
        ``{"train": {"speech": {"written": w, "present": p}, "music": {...}}, "test": {...}}``:
        clips written by this call and clips that were already there, per split and class of ``labels``.

    Examples
    --------
    >>> summary = build_synthetic_dataset("data", n_train=2, n_test=1, progress=False)  # doctest: +SKIP
    >>> summary["train"]["speech"]                                                     # doctest: +SKIP
    {'written': 2, 'present': 0}
    """
    n_train = _check_count("n_train", n_train)
    n_test = _check_count("n_test", n_test)
    seed = _check_count("seed", seed)
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0):
        raise ParameterError(f"n_jobs must be None, a positive integer or -1 (all cores), got {n_jobs!r}")
    conditions = get_conditions(conditions).name
    labels = _check_labels(labels)
    data_dir = Path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise ParameterError(f"{data_dir} exists and is not a folder")
    other = sorted(conditions_in(data_dir) - {conditions}) if data_dir.is_dir() else []
    if other:
        raise ParameterError(
            f"{data_dir} already holds synthetic clips made with conditions {', '.join(repr(o) for o in other)}; "
            f"a data folder holds one preset only: choose another folder for conditions {conditions!r}"
        )

    counts = {"train": n_train, "test": n_test}
    summary = {split: {label: {"written": 0, "present": 0} for label in labels} for split in SPLITS}
    todo = []
    for split in SPLITS:
        for label in labels:
            for index in range(counts[split]):
                if (data_dir / split / label / clip_name(split, label, index, conditions)).exists():
                    summary[split][label]["present"] += 1
                else:
                    todo.append((split, label, index))

    data_dir.mkdir(parents=True, exist_ok=True)
    readme = data_dir / README_NAME
    if not readme.exists():
        try:
            write_text(readme, _readme_text(seed, conditions, labels))
        except FileExistsError:
            pass  # another run wrote it meanwhile

    if n_jobs is None:
        n_jobs = -1 if len(todo) >= PARALLEL_MIN_CLIPS else 1
    jobs = [(seed, split, label, index, conditions) for split, label, index in todo]
    if n_jobs == 1 or len(jobs) < 2:
        results = (_render_job(*job) for job in jobs)
    else:
        from joblib import Parallel, delayed  # here: joblib starts its process machinery (loky) on import

        parallel = Parallel(n_jobs=n_jobs, return_as="generator", batch_size=4)
        results = parallel(delayed(_render_job)(*job) for job in jobs)

    writer = _clip_writer(data_dir)
    try:
        for (split, label, index), clip in tqdm(zip(todo, results), total=len(todo), desc="synthesising",
                                               unit="clip", disable=not progress or not todo):
            if _save_clip(writer, data_dir, seed, split, label, index, clip, conditions):
                summary[split][label]["written"] += 1
                if len(writer.written) % 20 == 0:
                    writer.flush()  # keep the manifest close to the files if the run is interrupted
            else:
                summary[split][label]["present"] += 1
    finally:
        writer.flush()
    return summary


def _clip_writer(data_dir: Path) -> ClipWriter:
    """The manifest-keeping writer of :mod:`speechmusic.data.ingest`."""
    return ClipWriter(data_dir)


def _save_clip(writer: ClipWriter, data_dir: Path, seed: int, split: str, label: str, index: int, clip: np.ndarray,
               conditions: str = DEFAULT_CONDITIONS) -> bool:
    """Write one clip under its fixed name; False when that name is already taken."""
    target = data_dir / split / label / clip_name(split, label, index, conditions)
    if target.exists():
        return False
    saved = writer.save(
        split, label, clip, stem=target.stem, source=SOURCE_NAME,
        original=f"{SOURCE_NAME}:{'' if conditions == 'lab' else conditions + ':'}{seed}:{split}:{label}:{index}",
        offset=0.0, licence=LICENCE,
    )
    return saved is not None
