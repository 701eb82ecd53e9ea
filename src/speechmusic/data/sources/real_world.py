"""The real-world set: 124 speech and music clips cut from files in 29 public GitHub repositories.

The package ships only the *list* (``real_world.csv``, package data): for every clip its id,
label, category, language, recording, the public file it is cut from (``repo``, pinned ``commit``,
``path``, ``source_sha256`` of the whole file), the stretch (``start_s``, ``duration_s``, at most
20 s) and its licence and attribution. No audio is in the repository. This module downloads each
original from ``https://raw.githubusercontent.com/<repo>/<commit>/<path>`` (path URL-encoded;
another base address serves mirrors and tests), checks its sha256, cuts the stretch and writes it.

Speech: 16 languages, read, conversational and spontaneous, 8-kHz call-centre, noisy, far-field,
over background music. Music: electronic, chiptune, game soundtracks, orchestral, piano,
Carnatic, tabla, drums, solo strings and wind, jazz-funk, a cappella. Licences: public domain,
CC0, CC BY, CC BY-SA, or the repository's MIT, BSD-2-Clause or Apache-2.0 licence (per clip in the
list; :func:`licence_family` groups them).

Two products:

* :func:`fetch` -- a lab data source (``download_samples.py --source real-world``, menu 6, and
  the music of the quick start when GTZAN cannot be reached): 3-s clips at 22050 Hz in
  ``data/{train,test}/{speech,music}``, through the same staging and clip writer as every other
  source, plus ``data/ATTRIBUTION-real-world.md``.
* :func:`build_real_world_folder` -- a folder laid out like the shared copy of the set
  (``manifest.csv``, ``speech/<id>.<ext>``, ``music/<id>.<ext>``, one file per clip), for
  training and measuring on whole clips.

Downloads go through :func:`speechmusic.data.sources.download.download_archive`: one request session,
retries with backoff, resume of ``.part`` files, a cache (``<cache>/real-world/<sha256
prefix>-<file name>``; a file put there by hand is used without the network) and the sha256 check.
A file whose checksum differs is refused and stops the run (nothing is written). A file the
server says is gone (HTTP 404/410) is skipped with a warning by :func:`fetch` (the other clips
still come; the summary lists what is missing) and stops :func:`build_real_world_folder` unless
``allow_missing=True`` (a rebuild must not silently change its data). Any other failure
(no network, a broken transfer) stops either before anything is written; the files already
downloaded stay in the cache, so running again resumes.

Cutting: an original of at most ``duration_s`` that the stretch starts at 0 is kept byte for byte
(its own format). Otherwise the stretch ``start_s .. start_s + duration_s`` is written losslessly at
the original's rate and channel count: PCM and float WAV/FLAC originals in their own format and
sample type (sample-exact), Ogg Vorbis and MP3 originals decoded and written as 16-bit FLAC
(decoding the whole file and cutting sample-exactly, where the shared copy cut Ogg and MP3 at
codec packets, so such clips may start a few tens of milliseconds apart from it).

Train/test split (lab source): by *source*, never by clip: every clip of a repository owner goes
to the same split (owner rather than repository because some owners reuse voices across their
repositories: Picovoice's test voices, AWS's call-centre agents). Owners are taken in the order of
the sha256 of their name and put into test while that keeps each class's test audio within
:data:`TEST_FRACTION` of its total duration, so the split is deterministic, needs no random state
and gives test several sources per class.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import numpy as np
import soundfile as sf

from speechmusic.core.audio import AUDIO_EXTENSIONS, clip_start, decode
from speechmusic.core.config import CLASS_NAMES, DEFAULT_PARAMS, SPLITS, FeatureParams
from speechmusic.core.errors import AudioError, ParameterError
from speechmusic.core.fileio import write_bytes, write_text
from speechmusic.data.ingest import ClipWriter, read_manifest, safe_stem, split_into_clips
from speechmusic.data.sources.download import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    ArchiveSpec,
    DownloadError,
    NotFoundError,
    default_cache_dir,
    download_archive,
    expected_checksum,
    human_size,
    make_session,
)
from speechmusic.data.sources.engine import FetchReport, _check_counts, commit_staged, present_counts, staging_folder

#: The manifest's ``source`` value of every clip this source writes.
SOURCE_NAME = "real-world"
#: Where the originals are fetched from: ``<base>/<repo>/<commit>/<url-encoded path>``.
DEFAULT_BASE_URL = "https://raw.githubusercontent.com"
#: The packaged list of clips (package data next to this module).
MANIFEST_RESOURCE = "real_world.csv"
#: Columns of the packaged list, in order.
FIELDS = ("id", "label", "category", "language", "recording", "repo", "commit", "path", "source_sha256",
          "start_s", "duration_s", "licence", "attribution")
#: Share of each class's audio (by duration) that goes to the test split, at most.
TEST_FRACTION = 0.25
#: Originals cached under this sub-folder of the download cache.
CACHE_SUBFOLDER = "real-world"
#: Written beside the lab's data: who made each clip and under which licence.
ATTRIBUTION_NAME = "ATTRIBUTION-real-world.md"
#: Written into a folder made by :func:`build_real_world_folder`.
FOLDER_ATTRIBUTION_NAME = "ATTRIBUTION.md"
#: An original at most this much longer than ``duration_s`` counts as the whole clip (seconds;
#: the shared copy's durations are measured to the millisecond).
WHOLE_FILE_TOLERANCE = 0.05
#: Columns of the ``manifest.csv`` that :func:`build_real_world_folder` writes (those of the shared
#: copy without its free-text ``notes``). ``duration_s``, ``sample_rate``, ``channels`` and ``codec``
#: describe the written clip file.
FOLDER_FIELDS = ("id", "label", "category", "language", "recording", "repo", "commit", "path", "source_sha256",
                 "start_s", "duration_s", "sample_rate", "channels", "codec", "licence", "attribution")

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# --- the list of clips ------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One clip of the set: where its original is and which stretch of it the clip is."""

    id: str
    label: str
    category: str
    language: str
    recording: str
    repo: str
    commit: str
    path: str
    source_sha256: str
    start_s: float
    duration_s: float
    licence: str
    attribution: str

    @property
    def group(self) -> str:
        """The source unit of the train/test split: the repository's owner (see the module notes)."""
        return self.repo.split("/", 1)[0]

    def url(self, base_url: str = DEFAULT_BASE_URL) -> str:
        """Address of the original under ``base_url`` (raw.githubusercontent.com's layout).

        Examples
        --------
        >>> entry = load_manifest()[0]
        >>> entry.url("http://127.0.0.1:8000").startswith("http://127.0.0.1:8000/Azure-Samples/")
        True
        """
        return f"{base_url.rstrip('/')}/{self.repo}/{self.commit}/{quote(self.path, safe='/')}"

    @property
    def original(self) -> str:
        """The canonical address of the original (recorded in the data manifest)."""
        return self.url(DEFAULT_BASE_URL)

    @property
    def page(self) -> str:
        """The original's page on GitHub at the pinned commit."""
        return f"https://github.com/{self.repo}/blob/{self.commit}/{quote(self.path, safe='/')}"

    @property
    def cache_name(self) -> str:
        """File name of the original in the cache: its sha256 prefix and its own name."""
        name = Path(self.path).name
        return f"{self.source_sha256[:16]}-{safe_stem(name)}{Path(name).suffix.lower()}"

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


def load_manifest(path: str | os.PathLike | None = None) -> list[Entry]:
    """The clips of the set, from the packaged list or a CSV file with the same columns.

    Parameters
    ----------
    path : path-like or None
        A CSV with the columns of :data:`FIELDS` (more columns are ignored); None: the packaged list.

    Returns
    -------
    list of Entry
        In the file's order.

    Raises
    ------
    ParameterError
        A missing column, an unknown label, a malformed sha256 or number, or a repeated id; the
        message names the row.

    Examples
    --------
    >>> entries = load_manifest()
    >>> len(entries), sorted(Counter(e.label for e in entries).items())
    (124, [('music', 62), ('speech', 62)])
    """
    if path is None:
        text = resources.files(__package__).joinpath(MANIFEST_RESOURCE).read_text(encoding="utf-8")
        where = f"the packaged {MANIFEST_RESOURCE}"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise ParameterError(f"{path}: cannot read the real-world manifest ({error.strerror or error})") from None
        where = str(path)
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in FIELDS if name not in (reader.fieldnames or [])]
    if missing:
        raise ParameterError(f"{where}: missing columns {', '.join(missing)} (needs {', '.join(FIELDS)})")
    entries, seen = [], set()
    for line, row in enumerate(reader, start=2):
        try:
            entry = Entry(**{name: row[name].strip() for name in FIELDS if name not in ("start_s", "duration_s")},
                          start_s=float(row["start_s"]), duration_s=float(row["duration_s"]))
        except (TypeError, ValueError, AttributeError):
            raise ParameterError(f"{where}, line {line}: start_s and duration_s must be numbers") from None
        problem = None
        if not _ID.match(entry.id):
            problem = f"id {entry.id!r} is not a plain file-name stem"
        elif entry.id in seen:
            problem = f"id {entry.id} appears twice"
        elif entry.label not in CLASS_NAMES:
            problem = f"label must be one of {', '.join(CLASS_NAMES)}, got {entry.label!r}"
        elif not _HEX64.match(entry.source_sha256):
            problem = "source_sha256 must be 64 lower-case hexadecimal digits"
        elif entry.repo.count("/") != 1 or not entry.commit or not entry.path:
            problem = "repo must be owner/name, and commit and path must be given"
        elif not (entry.start_s >= 0 and entry.duration_s > 0 and math.isfinite(entry.end_s)):
            problem = "start_s must be >= 0 and duration_s > 0"
        if problem:
            raise ParameterError(f"{where}, line {line}: {problem}")
        seen.add(entry.id)
        entries.append(entry)
    if not entries:
        raise ParameterError(f"{where}: no clips listed")
    return entries


def assign_splits(entries: Sequence[Entry], *, test_fraction: float = TEST_FRACTION) -> dict[str, str]:
    """Group (repository owner) -> ``"train"`` or ``"test"``; deterministic, see the module notes.

    Parameters
    ----------
    entries : sequence of Entry
        The clips.
    test_fraction : float
        Largest share of each class's total duration that goes to test (exceeded only when a class
        would otherwise have no test source: its shortest source then goes to test).

    Returns
    -------
    dict
        Every group of ``entries`` mapped to its split.

    Examples
    --------
    >>> splits = assign_splits(load_manifest())
    >>> sorted(Counter(splits.values()).items())
    [('test', 12), ('train', 12)]
    """
    if not 0 <= test_fraction < 1:
        raise ParameterError(f"test_fraction must be in [0, 1), got {test_fraction}")
    total: Counter = Counter()
    per_group: dict[str, Counter] = defaultdict(Counter)
    for entry in entries:
        total[entry.label] += entry.duration_s
        per_group[entry.group][entry.label] += entry.duration_s
    in_test: Counter = Counter()
    splits = {}
    for group in sorted(per_group, key=lambda g: hashlib.sha256(g.encode("utf-8")).hexdigest()):
        durations = per_group[group]
        fits = all(in_test[label] + seconds <= test_fraction * total[label] + 1e-9
                   for label, seconds in durations.items())
        splits[group] = "test" if fits else "train"
        if fits:
            in_test.update(durations)
    # A small list may leave a class without test audio: then its shortest source goes to test
    # (when the class has at least two sources, so that train keeps one).
    for label in sorted(total):
        groups = [g for g in per_group if per_group[g][label] > 0]
        if len(groups) >= 2 and not any(splits[g] == "test" for g in groups):
            splits[min(groups, key=lambda g: (per_group[g][label], g))] = "test"
    return splits


_LICENCE_FAMILIES = (
    # (family, how the statement starts, licence text)
    ("CC BY-SA 4.0", r"CC BY-SA 4\.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    ("CC BY-SA 3.0", r"CC BY-SA 3\.0", "https://creativecommons.org/licenses/by-sa/3.0/"),
    ("CC BY 4.0", r"CC BY 4\.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC BY 3.0", r"CC BY 3\.0", "https://creativecommons.org/licenses/by/3.0/"),
    ("CC BY (version not stated)", r"CC BY\b", "https://creativecommons.org/licenses/"),
    ("CC0", r"CC0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    ("Public domain", r"Public domain", ""),
    ("Apache-2.0", r"Apache-2\.0", "https://www.apache.org/licenses/LICENSE-2.0"),
    ("MIT", r"MIT\b", "https://opensource.org/license/mit"),
    ("BSD-2-Clause", r"BSD-2-Clause", "https://opensource.org/license/bsd-2-clause"),
)

#: What each family asks of someone who shares the clips (the attribution files repeat it).
_FAMILY_TERMS = {
    "CC0": "no conditions; the credit below is a courtesy.",
    "Public domain": "no conditions; the credit below is a courtesy.",
    "CC BY": "credit the author (the attribution below), link the licence and say that the clip was cut "
             "from the original.",
    "CC BY-SA": "as CC BY, and share alike: clips you pass on (they are adaptations) must carry the same licence.",
    "permissive": "the repository's own licence covers its files: keep its copyright notice and licence text "
                  "(the LICENSE file of the repository at the pinned commit) with clips you pass on; "
                  "Apache-2.0 also asks you to state that they were changed (cut).",
}


def licence_family(statement: str) -> str:
    """The licence family a clip's licence statement names (``"other"`` when none matches).

    Examples
    --------
    >>> licence_family("CC BY-SA 4.0 (ATTRIBUTIONS.md)"), licence_family("CC0 / public domain (x)")
    ('CC BY-SA 4.0', 'CC0')
    >>> licence_family('CC BY (stated as "(BY)"; version not given)')
    'CC BY (version not stated)'
    """
    for family, pattern, _ in _LICENCE_FAMILIES:
        if re.match(pattern, statement.strip(), flags=re.IGNORECASE):
            return family
    return "other"


def _family_terms(family: str) -> str:
    if family in ("CC0", "Public domain"):
        return _FAMILY_TERMS[family]
    if family.startswith("CC BY-SA"):
        return _FAMILY_TERMS["CC BY-SA"]
    if family.startswith("CC BY"):
        return _FAMILY_TERMS["CC BY"]
    if family in ("Apache-2.0", "MIT", "BSD-2-Clause"):
        return _FAMILY_TERMS["permissive"]
    return "see each clip's licence statement."


def _family_link(family: str) -> str:
    return next((link for name, _, link in _LICENCE_FAMILIES if name == family), "")


def attribution_markdown(entries: Sequence[Entry], *, title: str, intro: str,
                         clips: dict[str, str] | None = None) -> str:
    """A Markdown page crediting ``entries``, grouped by licence family.

    Parameters
    ----------
    entries : sequence of Entry
        The clips to credit.
    title, intro : str
        The page's heading and first paragraph.
    clips : dict or None
        id -> a note on what was made from that clip (for example ``"4 clips, train"``).

    Returns
    -------
    str
    """
    by_family: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_family[licence_family(entry.licence)].append(entry)
    order = [name for name, _, _ in _LICENCE_FAMILIES] + ["other"]
    lines = [f"# {title}", "", intro, "",
             "Each clip is a stretch cut from a file published in a public GitHub repository, at the commit "
             "named below (its sha256 was checked on download). Licences are as stated by each repository; "
             "the statement quoted for each clip says where. What each licence family asks of you if you pass "
             "clips on is given under its heading.", ""]
    counts = Counter(licence_family(e.licence) for e in entries)
    lines += ["| licence family | clips |", "|---|---|"]
    lines += [f"| {family} | {counts[family]} |" for family in order if counts[family]]
    for family in order:
        members = by_family.get(family)
        if not members:
            continue
        link = _family_link(family)
        lines += ["", f"## {family}" + (f" ({link})" if link else ""), "", f"Terms: {_family_terms(family)}", ""]
        for entry in members:
            note = f" -- {clips[entry.id]}" if clips and entry.id in clips else ""
            kind = ", ".join(part for part in (entry.label, entry.category, entry.language) if part)
            lines.append(
                f"- `{entry.id}` ({kind}){note}: {entry.attribution}. "
                f"Licence: {entry.licence}. Source: {entry.repo}, `{entry.path}` at commit {entry.commit[:12]}, "
                f"{entry.start_s:g}-{entry.end_s:g} s; {entry.page}"
            )
    return "\n".join(lines) + "\n"


# --- downloading and cutting ------------------------------------------------------------------


def original_spec(entry: Entry, base_url: str = DEFAULT_BASE_URL) -> ArchiveSpec:
    """The download of one original, for :func:`speechmusic.data.sources.download.download_archive`."""
    return ArchiveSpec(
        filename=entry.cache_name,
        urls=(entry.url(base_url),),
        sha256=entry.source_sha256,
        homepage=entry.page,
        note=f"(this is the original of the real-world clip {entry.id}, from the repository {entry.repo})",
    )


def download_original(entry: Entry, cache_dir: str | os.PathLike, *, base_url: str = DEFAULT_BASE_URL,
                      verify: bool = True, progress: bool = False, timeout=DEFAULT_TIMEOUT,
                      retries: int = DEFAULT_RETRIES, backoff: float = DEFAULT_BACKOFF, session=None) -> Path:
    """The original of ``entry`` in ``cache_dir``: downloaded (resumed, verified) unless already there.

    Raises
    ------
    ChecksumError
        The file's sha256 differs from ``entry.source_sha256`` (the download is discarded).
    NotFoundError
        The server says the file is not there (HTTP 404/410).
    DownloadError
        Any other failure (the message lists what was tried and how to fetch the file by hand).
    """
    spec = original_spec(entry, base_url)
    checksum = expected_checksum(spec, verify=verify)
    try:
        return download_archive(spec, cache_dir, checksum=checksum, progress=progress, timeout=timeout,
                                retries=retries, backoff=backoff, session=session)
    except DownloadError as error:
        error.args = (f"real-world clip {entry.id} ({entry.repo}: {entry.path}): {error}",)
        raise


def _lossless_read_dtype(subtype: str) -> str | None:
    """The dtype that reads a sample type back exactly, or None for lossy codecs."""
    if subtype.startswith("PCM_"):
        return "int32"  # every PCM width fits; libsndfile scales back exactly on writing
    return {"FLOAT": "float32", "DOUBLE": "float64"}.get(subtype)


def cut_clip(original: str | os.PathLike, entry: Entry) -> tuple[bytes, str]:
    """The clip of ``entry`` cut from its (verified) original, as file bytes and an extension.

    See the module notes: the original itself when it is the whole clip, else the stretch written
    losslessly at the original's rate and channel count.

    Raises
    ------
    AudioError
        The original cannot be decoded, or is shorter than where the clip starts.
    """
    original = Path(original)
    what = f"{entry.id} ({original.name})"
    try:
        info = sf.info(str(original))
    except Exception as error:  # libsndfile raises several types
        raise AudioError(f"{what}: cannot decode audio: {error}") from None
    rate = info.samplerate
    suffix = Path(entry.path).suffix.lower()
    if entry.start_s == 0 and info.frames <= (entry.duration_s + WHOLE_FILE_TOLERANCE) * rate and suffix in AUDIO_EXTENSIONS:
        return original.read_bytes(), suffix
    first = int(round(entry.start_s * rate))
    length = int(round(entry.duration_s * rate))
    if first >= info.frames:
        raise AudioError(f"{what}: the original lasts {info.frames / rate:.3f} s, the clip starts at {entry.start_s:g} s")
    dtype = _lossless_read_dtype(info.subtype)
    try:
        with sf.SoundFile(str(original)) as f:
            f.seek(first)
            data = f.read(length, dtype=dtype or "float32", always_2d=True)
    except Exception as error:
        raise AudioError(f"{what}: cannot decode audio: {error}") from None
    if data.shape[0] == 0:
        raise AudioError(f"{what}: no samples between {entry.start_s:g} and {entry.end_s:g} s")
    buffer = io.BytesIO()
    if dtype is None:  # Ogg Vorbis, MP3, ...: decoded, so any lossless format keeps what was decoded
        data = np.clip(data, -1.0, 1.0)
        sf.write(buffer, data, rate, format="FLAC", subtype="PCM_16")
        return buffer.getvalue(), ".flac"
    container, subtype = ("FLAC" if info.format == "FLAC" else "WAV"), info.subtype
    if not sf.check_format(container, subtype):  # a sample type WAV cannot hold (8-bit signed AIFF, ...)
        container, subtype = "FLAC", "PCM_24"
    sf.write(buffer, data, rate, format=container, subtype=subtype)
    return buffer.getvalue(), "." + container.lower()


class _Downloads:
    """Fetches originals once each (several clips may share one), with one session and one progress bar."""

    def __init__(self, cache_dir: Path, *, base_url: str, verify: bool, progress: bool, total: int,
                 timeout, retries: int, backoff: float, session):
        from tqdm.auto import tqdm

        self.cache_dir = cache_dir
        self.options = dict(base_url=base_url, verify=verify, timeout=timeout, retries=retries, backoff=backoff,
                            session=session or make_session())
        self.paths: dict[str, Path] = {}
        self.bar = tqdm(total=total, desc="real-world originals", unit="file", disable=not progress,
                        dynamic_ncols=True, leave=True)
        self.bytes = 0

    def get(self, entry: Entry) -> Path:
        key = entry.source_sha256
        if key not in self.paths:
            try:
                path = download_original(entry, self.cache_dir, progress=False, **self.options)
            finally:
                self.bar.update(1)
            self.paths[key] = path
            self.bytes += path.stat().st_size
            self.bar.set_postfix_str(human_size(self.bytes), refresh=True)
        return self.paths[key]

    def close(self) -> None:
        self.bar.close()


# --- the lab data source ----------------------------------------------------------------------


def _interleaved(entries: Sequence[Entry]) -> list[Entry]:
    """Entries in an order that visits every group before a group's second clip (so few clips still
    come from many sources); deterministic (groups by the sha256 of their name, clips as listed)."""
    by_group: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_group[entry.group].append(entry)
    groups = sorted(by_group, key=lambda g: hashlib.sha256(g.encode("utf-8")).hexdigest())
    ordered = []
    for rank in range(max((len(v) for v in by_group.values()), default=0)):
        ordered += [by_group[g][rank] for g in groups if rank < len(by_group[g])]
    return ordered


def lab_windows(y: np.ndarray, *, params: FeatureParams = DEFAULT_PARAMS) -> list[tuple[float, np.ndarray]]:
    """The lab's clips from one real-world clip: consecutive full windows from its first sound.

    Windows follow :func:`speechmusic.data.ingest.split_into_clips` (silent windows left out); one that
    would need zero padding is not used. A clip whose sound is shorter than one window still gives
    one: the window :func:`speechmusic.core.audio.fit_to_clip` takes (centred on the sound, no padding).

    Returns
    -------
    list of (float, np.ndarray)
        Offset in seconds into ``y`` and ``params.n_samples`` float32 samples.
    """
    n = params.n_samples
    if y.size < n or not np.any(y):
        return []
    windows = [(offset, clip) for offset, clip in split_into_clips(y, params=params)
               if int(round(offset * params.sample_rate)) + n <= y.size]
    if not windows:
        first = clip_start(y, params=params)
        windows = [(first / params.sample_rate, np.asarray(y[first:first + n], dtype=np.float32))]
    return windows


def clip_licence(entry: Entry) -> str:
    """The licence column of the data manifest for a clip cut from ``entry``."""
    return f"{entry.licence}; {entry.attribution}; real-world clip {entry.id}, {entry.page}"


def fetch(
    data_dir: str | os.PathLike,
    *,
    n_train: int = 60,
    n_test: int = 20,
    labels: Sequence[str] = ("music", "speech"),
    manifest: str | os.PathLike | None = None,
    base_url: str | None = None,
    verify: bool = True,
    cache_dir: str | os.PathLike | None = None,
    clips_per_group: int | None = None,
    progress: bool = True,
    timeout=DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    session=None,
    params: FeatureParams = DEFAULT_PARAMS,
) -> FetchReport:
    """Add ``n_train`` + ``n_test`` 3-s clips per class from the real-world set to ``data_dir``.

    Clips are spread over the set's recordings (every source's first clip before any source's
    second; at most ``clips_per_group`` windows per recording, by default just enough for the
    counts asked), split by source (:func:`assign_splits`), written through the same staging and
    clip writer as the other sources, and credited in ``data_dir/ATTRIBUTION-real-world.md``.
    Originals are downloaded only for the recordings used.

    Parameters
    ----------
    data_dir : path-like
        Dataset root.
    n_train, n_test : int
        Clips per class wanted in each split (clips this source already added count). The set
        holds about 155 train and 44 test 3-s clips of speech, 247 and 77 of music (counted on
        the shared copy's clips).
    labels : sequence of str
        Classes to take (the quick start takes ``("music",)``).
    manifest : path-like or None
        A list in the packaged format instead of the packaged one.
    base_url : str or None
        Serves the originals as ``<base_url>/<repo>/<commit>/<path>`` (default raw.githubusercontent.com).
    verify : bool
        False skips the sha256 checks.
    cache_dir : path-like or None
        Download cache (default ``<data_dir>/.cache/downloads``; originals go to its ``real-world/``).
    clips_per_group : int or None
        At most this many 3-s clips per recording.
    progress : bool
        Progress bar (originals fetched, bytes).
    timeout, retries, backoff, session
        Network behaviour (see :func:`speechmusic.data.sources.download.download_archive`).
    params : FeatureParams
        Clip length and rate.

    Returns
    -------
    FetchReport
        ``missing`` lists the clips whose original the server says is gone (skipped).

    Raises
    ------
    ChecksumError, DownloadError
        Nothing was added to ``data_dir``; downloaded originals stay in the cache.
    """
    _check_counts(n_train, n_test)
    labels = tuple(labels)
    unknown = set(labels) - set(CLASS_NAMES)
    if unknown or not labels:
        raise ParameterError(f"labels must be among {', '.join(CLASS_NAMES)}, got {', '.join(labels) or 'none'}")
    if clips_per_group is not None and clips_per_group < 1:
        raise ParameterError(f"clips_per_group must be at least 1, got {clips_per_group}")
    entries = load_manifest(manifest)
    data_dir = Path(data_dir)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir(data_dir)
    wanted = {(split, label): n for split, n in zip(SPLITS, (n_train, n_test)) for label in labels if n > 0}
    report = FetchReport(source=SOURCE_NAME, wanted=wanted, group_noun="recording",
                         exhausted="the real-world set has no more",
                         licence=f"per clip (open licences and repository licences), credited in {data_dir / ATTRIBUTION_NAME}")
    present = present_counts(data_dir, SOURCE_NAME)
    if all(present[key] >= n for key, n in wanted.items()):
        for key in wanted:
            report.present[key] = min(present[key], wanted[key])
        write_attribution(data_dir, entries)
        return report

    splits = assign_splits(entries)
    queues = {key: _interleaved([e for e in entries if (splits[e.group], e.label) == key]) for key in wanted}
    used = {e.id: e for queue in queues.values() for e in queue}
    downloads = _Downloads(cache / CACHE_SUBFOLDER, base_url=base_url or DEFAULT_BASE_URL, verify=verify,
                           progress=progress, total=len({e.source_sha256 for e in used.values()}), timeout=timeout,
                           retries=retries, backoff=backoff, session=session)
    report.origin = base_url or DEFAULT_BASE_URL
    final = ClipWriter(data_dir, params=params)  # only consulted: which clips are already there
    try:
        with staging_folder(data_dir, SOURCE_NAME) as staging_dir:
            staged = ClipWriter(staging_dir, params=params)
            for key, queue in queues.items():
                _take(key, queue, wanted[key], clips_per_group, downloads, staged, final, report, params)
            if report.missing:
                example = used[report.missing[0]].url(report.origin)
                if not downloads.paths:
                    raise NotFoundError(
                        f"none of the real-world originals needed could be found under {report.origin}: "
                        f"{len(report.missing)} answered HTTP 404/410 (for example {example}); nothing was added"
                    )
                warnings.warn(
                    f"{len(report.missing)} real-world originals are gone from their address (HTTP 404/410, for "
                    f"example {example}); their clips were skipped: {', '.join(report.missing)}",
                    RuntimeWarning, stacklevel=2)
            staged.flush()
            commit_staged(staged, data_dir, params, report)
    finally:
        downloads.close()
    report.bytes_read = downloads.bytes
    if downloads.paths:
        report.checksum = "sha256 verified for every original" if verify else "not verified (--no-verify)"
    write_attribution(data_dir, entries)
    return report


def _take(key, queue: Sequence[Entry], n_wanted: int, clips_per_group, downloads: _Downloads, staged: ClipWriter,
          final: ClipWriter, report: FetchReport, params: FeatureParams) -> None:
    """Select and stage the clips of one (split, label) from its queue of recordings."""
    split, label = key
    per_recording = clips_per_group or max(1, math.ceil(n_wanted / max(1, len(queue))))
    if clips_per_group is not None:
        report.clips_per_group = clips_per_group
    taken = 0
    skipped: set[str] = set()
    rounds = 1 if clips_per_group is not None else max(1, math.ceil(n_wanted / per_recording))
    for round_ in range(rounds):
        progress_in_round = False
        for entry in queue:
            if taken >= n_wanted:
                return
            if entry.id in skipped:
                continue
            try:
                original = downloads.get(entry) if round_ == 0 else downloads.paths[entry.source_sha256]
            except NotFoundError:
                report.missing.append(entry.id)  # reported once, after the walk
                skipped.add(entry.id)
                continue
            try:
                y = decode(original, sample_rate=params.sample_rate, offset=entry.start_s,
                           duration=entry.duration_s, name=f"{entry.id} ({original.name})")
            except AudioError as error:
                warnings.warn(f"skipped {error}", RuntimeWarning, stacklevel=3)
                report.failed.append(entry.id)
                skipped.add(entry.id)
                continue
            windows = lab_windows(y, params=params)
            if len(windows) <= (round_ + 1) * per_recording:
                skipped.add(entry.id)  # nothing left for a later round
            windows = windows[round_ * per_recording:(round_ + 1) * per_recording]
            for offset, clip in windows[: n_wanted - taken]:
                progress_in_round = True
                taken += 1
                report.groups[split].add(entry.group)
                at = round(entry.start_s + offset, 3)
                if final.has(split=split, label=label, source=SOURCE_NAME, original=entry.original, offset=at):
                    report.present[key] += 1
                    continue
                staged.save(split, label, clip, stem=f"realworld-{entry.id}_{int(round(at * 1000)):07d}ms",
                            source=SOURCE_NAME, original=entry.original, offset=at, licence=clip_licence(entry))
        if not progress_in_round:
            return


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def entries_in_data(data_dir: str | os.PathLike, entries: Sequence[Entry]) -> dict[str, Counter]:
    """id -> clips per split that ``data_dir`` holds from each real-world entry (files that exist)."""
    by_original: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_original[entry.original].append(entry)
    found: dict[str, Counter] = defaultdict(Counter)
    for record in read_manifest(data_dir):
        if record.source != SOURCE_NAME or not (Path(data_dir) / record.path).is_file():
            continue
        for entry in by_original.get(record.original, ()):
            if entry.start_s - 1e-3 <= record.offset < entry.end_s:
                found[entry.id][record.split] += 1
                break
    return dict(found)


def write_attribution(data_dir: str | os.PathLike, entries: Sequence[Entry] | None = None) -> Path | None:
    """(Re)write ``data_dir/ATTRIBUTION-real-world.md`` for the real-world clips the data holds.

    Returns the file, or None when the data holds no real-world clip (nothing is written then).
    """
    entries = entries if entries is not None else load_manifest()
    used = entries_in_data(data_dir, entries)
    if not used:
        return None
    notes = {eid: ", ".join(f"{n} clip{'s' if n != 1 else ''} in {split}" for split, n in sorted(c.items()))
             for eid, c in used.items()}
    text = attribution_markdown(
        [e for e in entries if e.id in used],
        title="Attribution: clips from the real-world set",
        intro=(f"The `{SOURCE_NAME}` clips in this folder (file names starting with `realworld-`; "
               "`manifest.csv` gives each one's original address, offset and licence) are 3-s excerpts "
               "of the recordings listed here, resampled to 22050 Hz mono. Keep this file with them; do not "
               "commit the audio to a repository."),
        clips=notes,
    )
    return write_text(Path(data_dir) / ATTRIBUTION_NAME, text, overwrite=True)


# --- a folder like the shared copy ------------------------------------------------------------


@dataclass
class FolderReport:
    """What :func:`build_real_world_folder` did."""

    folder: Path
    written: list = field(default_factory=list)  # ids of new clip files
    present: list = field(default_factory=list)  # ids whose file was already there (kept as it was)
    missing: list = field(default_factory=list)  # ids whose original is gone (only with allow_missing)
    bytes_downloaded: int = 0  # size of the originals used (from the network or the cache)

    def summary(self) -> str:
        lines = [f"real-world folder {self.folder}: {len(self.written)} clips written, "
                 f"{len(self.present)} already there",
                 f"  originals: {human_size(self.bytes_downloaded)} (downloaded or from the cache)"]
        if self.missing:
            lines.append(f"  {len(self.missing)} clips left out, their original is gone: {', '.join(self.missing)}")
        return "\n".join(lines)


def _existing_clip(folder: Path, entry: Entry) -> Path | None:
    for path in sorted((folder / entry.label).glob(f"{entry.id}.*")):
        if path.is_file() and path.suffix.lower() in AUDIO_EXTENSIONS:
            return path
    return None


def _codec_name(info) -> str:
    """ffprobe-style codec name of a file, as the shared copy's manifest uses."""
    if info.format == "OGG":
        return info.subtype.lower()  # vorbis, opus
    if info.format == "MP3":
        return "mp3"
    if info.format == "FLAC":
        return "flac"
    return {"PCM_U8": "pcm_u8", "PCM_S8": "pcm_s8", "PCM_16": "pcm_s16le", "PCM_24": "pcm_s24le",
            "PCM_32": "pcm_s32le", "FLOAT": "pcm_f32le", "DOUBLE": "pcm_f64le"}.get(info.subtype, info.subtype.lower())


def _folder_row(entry: Entry, path: Path) -> dict:
    row = {name: getattr(entry, name) for name in FIELDS}
    row["start_s"] = f"{entry.start_s:g}"
    try:
        info = sf.info(str(path))
    except Exception as error:  # a file that was there already and cannot be read: kept, described as listed
        warnings.warn(f"{path}: cannot read it ({error}); kept as it is, listed with the manifest's duration",
                      RuntimeWarning, stacklevel=3)
        row.update(duration_s=f"{entry.duration_s:.3f}", sample_rate="", channels="", codec="")
        return row
    row.update(duration_s=f"{info.frames / info.samplerate:.3f}", sample_rate=info.samplerate,
               channels=info.channels, codec=_codec_name(info))
    return row


def _manifest_text(rows: Iterable[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FOLDER_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def _check_folder_manifest(path: Path, entries: Sequence[Entry]) -> None:
    """Refuse to replace a manifest.csv that lists clips this run would not list the same way."""
    if not path.is_file():
        return
    try:
        with path.open(newline="", encoding="utf-8") as f:
            old = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ParameterError(f"{path} exists and cannot be read ({error}); choose a new folder") from None
    mine = {e.id: e for e in entries}
    for row in old:
        entry = mine.get(row.get("id", ""))
        same = entry is not None and all(row.get(k) == getattr(entry, k)
                                         for k in ("label", "repo", "commit", "path", "source_sha256"))
        if not same or _number(row.get("start_s")) != entry.start_s:
            raise ParameterError(
                f"{path} lists clips this folder would not hold (first: {row.get('id')!r}); it is not a folder made "
                "by build_real_world_folder from this list. Choose a new folder; nothing was changed."
            )


def _number(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def build_real_world_folder(
    out_dir: str | os.PathLike,
    *,
    manifest: str | os.PathLike | None = None,
    labels: Sequence[str] = CLASS_NAMES,
    base_url: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    verify: bool = True,
    allow_missing: bool = False,
    progress: bool = True,
    timeout=DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    session=None,
    log: Callable[[str], None] | None = None,
) -> FolderReport:
    """Download the real-world set's originals and build a folder laid out like its shared copy.

    The folder gets ``manifest.csv`` (one row per clip: :data:`FOLDER_FIELDS`), ``speech/<id>.<ext>``
    and ``music/<id>.<ext>`` (one file per clip, cut as the module notes describe) and
    ``ATTRIBUTION.md``, the credits that must travel with the clips. It can stand in for
    ``../shared/real-world`` wherever that is read: clips that were whole files in the original are
    byte-identical to the shared copy, WAV and FLAC cuts sample-identical; Ogg and MP3 cuts are
    lossless FLAC of the decoded stretch.

    All originals are fetched (and verified) before anything is written; the clips are then written
    one by one, each atomically, never over an existing file: a clip file already in the folder
    (``<label>/<id>.*``) is kept as it is, so running again only adds what is missing and needs no
    network when nothing is. If writing fails, the files this run wrote are removed again.

    Parameters
    ----------
    out_dir : path-like
        The folder (created if needed). A ``manifest.csv`` already there must be one this function
        wrote from the same list.
    manifest : path-like or None
        A list in the packaged format instead of the packaged one.
    labels : sequence of str
        Classes to include.
    base_url : str or None
        Serves the originals as ``<base_url>/<repo>/<commit>/<path>`` (default raw.githubusercontent.com).
    cache_dir : path-like or None
        Where the originals are kept (default ``<out_dir>/.cache/downloads``; they go to its
        ``real-world/``). A cache shared with the lab's data folder avoids downloading twice.
    verify : bool
        False skips the sha256 checks (the result may then differ from the shared copy).
    allow_missing : bool
        When the server says an original is gone (HTTP 404/410): False (default) fails, listing every
        missing one, before anything is written; True leaves those clips out (``report.missing``).
    progress : bool
        Progress bar.
    timeout, retries, backoff, session
        Network behaviour (see :func:`speechmusic.data.sources.download.download_archive`).
    log : callable or None
        Receives the summary line.

    Returns
    -------
    FolderReport

    Raises
    ------
    ChecksumError, NotFoundError, DownloadError, AudioError, ParameterError
        The folder is as before (downloads stay in the cache).

    Examples
    --------
    >>> report = build_real_world_folder("real-world")           # doctest: +SKIP
    >>> print(report.summary())                                  # doctest: +SKIP
    """
    labels = tuple(labels)
    if not labels or set(labels) - set(CLASS_NAMES):
        raise ParameterError(f"labels must be among {', '.join(CLASS_NAMES)}, got {', '.join(labels) or 'none'}")
    entries = [e for e in load_manifest(manifest) if e.label in labels]
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"{folder} exists and is not a folder")
    cache = (Path(cache_dir) if cache_dir is not None else default_cache_dir(folder)) / CACHE_SUBFOLDER
    _check_folder_manifest(folder / "manifest.csv", entries)
    report = FolderReport(folder=folder)
    existing = {e.id: _existing_clip(folder, e) for e in entries}
    todo = [e for e in entries if existing[e.id] is None]
    report.present = [e.id for e in entries if existing[e.id] is not None]

    downloads = _Downloads(cache, base_url=base_url or DEFAULT_BASE_URL, verify=verify, progress=progress,
                           total=len({e.source_sha256 for e in todo}), timeout=timeout, retries=retries,
                           backoff=backoff, session=session)
    originals: dict[str, Path] = {}
    gone: list[str] = []
    try:
        for entry in todo:
            try:
                originals[entry.id] = downloads.get(entry)
            except NotFoundError as error:
                gone.append(f"{entry.id}: {_first_line(error)}")
                report.missing.append(entry.id)
    finally:
        downloads.close()
    report.bytes_downloaded = downloads.bytes
    if gone and not allow_missing:
        raise NotFoundError(
            f"{len(gone)} of the real-world originals are gone from their address, so {folder} was not changed:\n  "
            + "\n  ".join(gone)
            + "\nPass allow_missing=True to build the folder without them (it then differs from the shared copy)."
        )
    cuts = {}
    for entry in todo:
        if entry.id in originals:
            cuts[entry.id] = cut_clip(originals[entry.id], entry)

    rows_by_id = {}
    written: list[Path] = []
    try:
        for entry in entries:
            if entry.id in cuts:
                data, suffix = cuts[entry.id]
                path = folder / entry.label / f"{entry.id}{suffix}"
                write_bytes(path, data)
                written.append(path)
                report.written.append(entry.id)
            else:
                path = existing[entry.id]
            if path is not None:
                rows_by_id[entry.id] = _folder_row(entry, path)
        rows = [rows_by_id[e.id] for e in entries if e.id in rows_by_id]
        write_text(folder / "manifest.csv", _manifest_text(rows), overwrite=True)
        kept = [e for e in entries if e.id in rows_by_id]
        write_text(folder / FOLDER_ATTRIBUTION_NAME, attribution_markdown(
            kept, title="Attribution: the real-world speech and music clips",
            intro=("Every audio file in this folder is a clip listed in `manifest.csv`, cut from the public "
                   "file credited below. Keep this file with the clips whenever you copy or share them; do not "
                   "commit the audio to a repository.")), overwrite=True)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    if log is not None:
        log(report.summary())
    return report
