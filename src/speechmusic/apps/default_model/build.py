"""Building the shipped model file, its attribution and its measurements (``speechmusic build-model``)."""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from speechmusic import __version__
from speechmusic.apps.default_model.measure import measure
from speechmusic.apps.default_model.pool import RealSet, build_pool, load_real_set
from speechmusic.apps.default_model.recipe import ATTRIBUTION_SUFFIX, DEFAULT_MODEL_NAME, DEFAULT_RECIPE, Recipe
from speechmusic.apps.default_model.report import _no_nan, measurements_markdown
from speechmusic.apps.default_model.training import calibration_mixes, train_recipe
from speechmusic.apps.evaluation import load_synthetic_training_set
from speechmusic.apps.pipeline import Classifier, save_classifier
from speechmusic.core.fileio import write_text
from speechmusic.data.sources.real_world import Entry, attribution_markdown, licence_family, load_manifest
from speechmusic.data.synth import SYNTH_VERSION

# --------------------------------------------------------------------------------- the build

def attribution_path(model_path: str | os.PathLike) -> Path:
    """The credits file written beside a model: ``default.npz`` -> ``default-ATTRIBUTION.md``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ATTRIBUTION_SUFFIX)


def _entries(real: RealSet):
    """A :class:`speechmusic.data.sources.real_world.Entry` per clip: the packaged list's, else from the folder's manifest."""
    listed = {e.id: e for e in load_manifest()}
    entries = []
    for clip, row in zip(real.clips, real.rows):
        entry = listed.get(clip.id)
        if entry is None or entry.repo != clip.source:
            numbers = {}
            for key in ("start_s", "duration_s"):
                try:
                    numbers[key] = float(row.get(key) or 0.0)
                except ValueError:
                    numbers[key] = 0.0
            entry = Entry(id=clip.id, label=clip.label_name, category=clip.category, language=clip.language,
                          recording=row.get("recording", "") or clip.id, repo=clip.source,
                          commit=row.get("commit", "") or "", path=row.get("path", "") or Path(clip.path).name,
                          source_sha256=row.get("source_sha256", "") or "",
                          licence=row.get("licence", "") or "not stated in the manifest",
                          attribution=row.get("attribution", "") or "not stated in the manifest", **numbers)
        entries.append(entry)
    return entries


def data_fingerprint(real: RealSet) -> str:
    """sha256 of the clips' ids, labels, sources and file contents: what the weights were trained on.

    Two folders with the same fingerprint give the same model; the shared copy and a folder built
    from the originals differ (their Ogg and MP3 cuts are not the same bytes, see docs/model-card.md).
    """
    digest = hashlib.sha256()
    for clip in sorted(real.clips, key=lambda c: c.id):
        digest.update(f"{clip.id}\t{clip.label}\t{clip.source}\t".encode())
        digest.update(hashlib.sha256(Path(clip.path).read_bytes()).hexdigest().encode("ascii"))
    return digest.hexdigest()


def check_against_list(real: RealSet) -> list[str]:
    """How the folder differs from the packaged list of the real-world set (empty when it holds exactly those clips)."""
    listed = {e.id: e for e in load_manifest()}
    present = {c.id: c for c in real.clips}
    problems = []
    missing = sorted(set(listed) - set(present))
    extra = sorted(set(present) - set(listed))
    if missing:
        problems.append(f"{len(missing)} clips of the list are missing (first: {', '.join(missing[:3])})")
    if extra:
        problems.append(f"{len(extra)} clips are not in the list (first: {', '.join(extra[:3])})")
    other = sorted(i for i in set(listed) & set(present)
                   if listed[i].repo != present[i].source or listed[i].label_name != present[i].label_name)
    if other:
        problems.append(f"{len(other)} clips have another source or label than the list (first: {other[0]})")
    return problems


@dataclass
class BuildResult:
    """What :func:`build_default_model` made."""

    model_path: Path
    attribution_path: Path
    classifier: Classifier
    metadata: dict
    measurements: dict | None = None
    report_paths: list = field(default_factory=list)
    seconds: float = 0.0


# long: one build read top to bottom (data, pool, training, measurement, files); its steps are calls already, splitting would only hand a dozen locals around.
def build_default_model(
    real_world: str | os.PathLike,
    model_path: str | os.PathLike,
    *,
    recipe: Recipe | None = None,
    report: str | os.PathLike | None = None,
    measure_model: bool = True,
    nested_calibration: bool = True,
    overwrite: bool = False,
    synthetic_dir: str | os.PathLike | None = None,
    command: str = "",
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> BuildResult:
    """Train the default model from a real-world folder, calibrate it, save it and (optionally) measure it.

    Parameters
    ----------
    real_world : path-like
        A folder laid out like ``../shared/real-world`` (``manifest.csv`` naming each clip's source).
    model_path : path-like
        The model file to write (``src/speechmusic/models/default.npz`` for the shipped one); its
        credits are written beside it (:func:`attribution_path`).
    recipe : Recipe or None
        None: :data:`DEFAULT_RECIPE`, the shipped model's.
    report : path-like or None
        Write the measured tables here (Markdown) and beside it the same as JSON (``.json``).
    measure_model : bool
        Run :func:`measure` (leave-one-source-out of the whole recipe: about ten minutes on 2 cores for
        the shared set). Without it only the model is built (its weights are the same).
    nested_calibration : bool
        With ``measure_model``, also measure the calibration nested: for every held-out source and
        pair, an inner leave-one-source-out on the others (about 37 times the outer one's trainings
        for the shared set: hours on 2 cores). Without it the report says it was not measured.
    overwrite : bool
        Replace existing output files.
    synthetic_dir : path-like or None
        Where the synthetic set is generated or found (None: a temporary folder).
    command : str
        The command line to record in the report.
    progress : bool
    log : callable or None
        Receives one line per step.

    Returns
    -------
    BuildResult

    Raises
    ------
    DatasetError
        The folder is missing or is not a clip folder with a manifest.
    FileExistsError
        An output exists and ``overwrite`` is False (checked before any work).
    """
    log = log or (lambda text: None)
    recipe = DEFAULT_RECIPE if recipe is None else recipe
    began = time.perf_counter()
    model_path = Path(model_path)
    credits = attribution_path(model_path)
    report_paths = [] if report is None else [Path(report), Path(report).with_suffix(".json")]
    for path in [model_path, credits, *report_paths]:
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} already exists: add --overwrite to replace it")
    real = load_real_set(real_world)
    log(f"real clips: {len(real.clips)} from {len(real.sources)} sources in {real.root} "
        f"({time.perf_counter() - began:.0f} s)")
    for problem in check_against_list(real):
        warnings.warn(f"{real.root} differs from the real-world list: {problem}; the model will differ from the "
                      "shipped one", RuntimeWarning, stacklevel=2)
    synthetic = None
    if recipe.synthetic_per_class > 0:
        synthetic = load_synthetic_training_set(synthetic_dir, seed=recipe.synthetic_seed,
                                                n_train=recipe.synthetic_per_class, params=real.params,
                                                progress=progress, conditions=recipe.synthetic_conditions,
                                                labels=recipe.synthetic_labels)
    pool = build_pool(real, recipe, synthetic=synthetic, progress=progress)
    mixes = calibration_mixes(real, recipe)
    log(f"training examples: {len(pool.labels)} windows {pool.counts()}; calibration mixes: {len(mixes.items)} "
        f"({time.perf_counter() - began:.0f} s)")
    classifier, calibration_set = train_recipe(pool, real, recipe, mixes=mixes)
    calibration = classifier.calibration
    log(f"trained {'/'.join(classifier.class_names)}; calibration {calibration.as_dict()} "
        f"({time.perf_counter() - began:.0f} s)")
    families: dict[str, int] = {}
    for entry in _entries(real):
        family = licence_family(entry.licence)
        families[family] = families.get(family, 0) + 1
    per_label = {name: sum(c.label_name == name for c in real.clips) for name in classifier.class_names}
    metadata = {
        "model_name": DEFAULT_MODEL_NAME,
        "trained_on": (f"the synthetic set and {len(real.clips)} real clips of {len(real.sources)} public sources, "
                       "speech over music labelled speech"),
        "recipe": recipe.as_dict(),
        "data": {
            "real_clips": len(real.clips), **{f"real_{name}": int(n) for name, n in per_label.items()},
            "sources": len(real.sources), "fingerprint": data_fingerprint(real),
            "manifest_sha256": real.manifest_sha256, "differences_from_list": check_against_list(real),
            "licence_families": dict(sorted(families.items())),
            "synthetic_generator_version": SYNTH_VERSION if recipe.synthetic_per_class > 0 else None,
            "training_windows": pool.counts(),
            "calibration_windows": {"clips": int(np.sum(calibration_set.kind == "clip")),
                                    "mixes": int(np.sum(calibration_set.kind == "mix"))},
        },
        "card": "docs/model-card.md",
        "attribution": credits.name,
        "rebuild": "speechmusic build-model (docs/model-card.md, 'Rebuilding it')",
    }
    save_classifier(classifier, model_path, overwrite=overwrite, **metadata)
    write_text(credits, attribution_markdown(
        _entries(real), title=f"Attribution: the data of the {DEFAULT_MODEL_NAME}",
        intro=(f"`{model_path.name}` (weights of a logistic regression: {classifier.model.coef_.size} numbers and "
               "their standardisation) was trained on the synthetic set of speechmusic (generated, public "
               f"domain) and on the {len(real.clips)} real clips credited below (speech clips also laid over "
               "music clips of other sources). No audio is distributed with the model. The clips come from "
               "public repositories under licences that allow training and publishing a model; this page "
               "credits their authors as those licences ask.")), overwrite=overwrite)
    log(f"wrote {model_path} and {credits}")
    result = BuildResult(model_path=model_path, attribution_path=credits, classifier=classifier, metadata=metadata)
    if measure_model:
        result.measurements = measure(pool, real, recipe, mixes=mixes, nested_calibration=nested_calibration, log=log)
        result.measurements.update(
            calibration=calibration.as_dict(), package_version=__version__, command=command,
            recipe=recipe.as_dict(), data=metadata["data"], pool=pool.counts())
        if report is not None:
            write_text(report_paths[0], measurements_markdown(result.measurements), overwrite=overwrite)
            write_text(report_paths[1], json.dumps(_no_nan(result.measurements), indent=1, allow_nan=False) + "\n",
                       overwrite=overwrite)
            result.report_paths = report_paths
            log(f"wrote {report_paths[0]} and {report_paths[1]}")
    result.seconds = time.perf_counter() - began
    return result
