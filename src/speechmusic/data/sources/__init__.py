"""Where the lab's clips come from: the offline synthetic set and real recordings from the web.

================  ======================================================  ============================
name              what                                                    licence
================  ======================================================  ============================
``synthetic``     generated speech-like and music-like clips, offline      (made here, no restrictions)
``librispeech``   real read speech (LibriSpeech dev-clean / test-clean)   CC BY 4.0
``gtzan``         GTZAN music/speech collection (real music and speech)   none stated, research only
``musan``         MUSAN music (real music of many genres)                 Creative Commons / public domain
``pitchshift``    pitch-shifted LibriSpeech speech as "music" (NOT music) CC BY 4.0 (derived)
``real-world``    124 real speech and music clips from 29 public           per clip: public domain, CC0,
                  repositories (:mod:`.real_world`)                        CC BY(-SA), MIT/BSD/Apache
``quickstart``    LibriSpeech speech + real music (GTZAN, else the         as above
                  real-world set's music)
================  ======================================================  ============================

:func:`fetch` runs one of them. Downloads go through :mod:`.download` (mirrors, retries, resume,
checksums, cache in ``<data_dir>/.cache/downloads``), archives are read through :mod:`.archive`
(no extraction to disk; hostile members refused) and clips are made by :mod:`.engine` (speaker,
track and source disjoint splits, staging, all-or-nothing commit, manifest). Every download
failure raised by :func:`fetch` ends with :data:`OFFLINE_HINT`; :func:`source_addresses` and
:func:`speechmusic.data.sources.probe.probe_network` tell quickly whether a source can be reached.
See docs/data-sources.md.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence

from speechmusic.core.config import SPLITS
from speechmusic.core.errors import ParameterError
from speechmusic.data.manifest import DatasetManifest
from speechmusic.data.sources import gtzan, librispeech, musan, pitchshift, real_world
from speechmusic.data.sources.archive import ArchiveError, ArchiveLimits, UnsafeArchiveError
from speechmusic.data.sources.download import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    ChecksumError,
    DownloadError,
    DownloadOptions,
    NotFoundError,
    default_cache_dir,
)
from speechmusic.data.sources.engine import ArchiveSource, FetchReport, collect
from speechmusic.data.sources.probe import probe_network
from speechmusic.data.sources.real_world_folder import build_real_world_folder
from speechmusic.data.synth import build_synthetic_dataset

__all__ = [
    "SOURCE_NAMES", "DESCRIPTIONS", "fetch", "quickstart", "build_synthetic", "archive_sources",
    "build_real_world_folder", "source_addresses", "probe_network", "OFFLINE_HINT",
    "FetchReport", "DownloadError", "ChecksumError", "NotFoundError", "UnsafeArchiveError", "ArchiveError",
    "ArchiveLimits", "default_cache_dir", "DownloadOptions",
]

#: Every value ``--source`` accepts.
SOURCE_NAMES = ("synthetic", "librispeech", "gtzan", "musan", "pitchshift", "real-world", "quickstart")

#: One line per source for menus and ``--help``.
DESCRIPTIONS = {
    "synthetic": "offline: generated speech-like and music-like clips (no download)",
    "librispeech": "real speech: LibriSpeech dev-clean read English, CC BY 4.0 (streams part of a 322 MiB archive)",
    "gtzan": "real music and speech: GTZAN music/speech collection (283 MiB, research use only)",
    "musan": "real music: MUSAN music, Creative Commons / public domain (streams part of a 10.3 GiB archive)",
    "pitchshift": "pitch-shifted LibriSpeech speech as 'music': NOT real music (the original lab's fallback)",
    "real-world": "real speech (16 languages, telephone, noisy) and music (many styles) from 29 public "
                  "repositories, open licences (up to 113 files, 61 MiB or more)",
    "quickstart": "LibriSpeech speech + real music (GTZAN, or the real-world set's music when GTZAN is unreachable)",
}

#: Music sources the quick start tries, in order. MUSAN (a 10 GiB stream) stays available as
#: ``--source musan``; the real-world set's music is tens of MiB.
QUICKSTART_MUSIC = ("gtzan", "real-world")

#: Ends every download failure message: the way to get a dataset without the network.
OFFLINE_HINT = (
    "Without the internet, build the offline synthetic dataset instead:\n"
    "  .venv/bin/python download_samples.py --source synthetic"
)


def source_addresses(name: str, *, url: str | None = None, mirror: str | None = None,
                     subset: str | None = None) -> list[str]:
    """The addresses a source would download from (empty for ``synthetic``), for a reachability probe.

    Examples
    --------
    >>> source_addresses("quickstart", mirror="http://127.0.0.1:8000")
    ['http://127.0.0.1:8000']
    >>> [a.split("/")[2] for a in source_addresses("real-world")]
    ['raw.githubusercontent.com']
    """
    if name not in SOURCE_NAMES:
        raise ParameterError(f"unknown source {name!r}; choose one of {', '.join(SOURCE_NAMES)}")
    if name == "synthetic":
        return []
    if url or mirror:
        return [url or mirror]
    if name == "real-world":
        return [real_world.DEFAULT_BASE_URL]
    if name == "quickstart":
        speech = source_addresses("librispeech", subset=subset)
        return speech + [a for music in QUICKSTART_MUSIC for a in source_addresses(music)]
    return list(archive_sources(subset)[name].archive.urls)


def archive_sources(subset: str | None = None) -> dict[str, ArchiveSource]:
    """The archive-based sources by name (``subset`` applies to the LibriSpeech-based ones)."""
    return {
        "librispeech": librispeech.source(subset or librispeech.DEFAULT_SUBSET),
        "gtzan": gtzan.source(),
        "musan": musan.source(),
        "pitchshift": pitchshift.source(subset or pitchshift.DEFAULT_SUBSET),
    }


def build_synthetic(data_dir: str | os.PathLike, *, n_train: int = 60, n_test: int = 20, seed: int = 0,
                    n_jobs: int | None = None, progress: bool = True, conditions: str = "lab") -> FetchReport:
    """The offline synthetic dataset (:func:`speechmusic.data.synth.build_synthetic_dataset`) as a report."""
    summary = build_synthetic_dataset(data_dir, n_train=n_train, n_test=n_test, seed=seed, n_jobs=n_jobs,
                                      progress=progress, conditions=conditions)
    what = "" if conditions == "lab" else f", conditions {conditions}"
    report = FetchReport(source="synthetic", licence="synthetic audio generated by speechmusic (seed "
                         f"{seed}{what}); no third-party material")
    for split, n in zip(SPLITS, (n_train, n_test)):
        for label in ("music", "speech"):
            if n > 0:
                report.wanted[(split, label)] = n
            counts = summary.get(split, {}).get(label, {})
            report.written[(split, label)] += int(counts.get("written", 0))
            report.present[(split, label)] += int(counts.get("present", 0))
    return report


def _urls_for(spec, *, url: str | None, mirror: str | None) -> list[str] | None:
    if url:
        return [url]
    if mirror:
        return list(spec.under_mirror(mirror).urls)
    return None


def quickstart(
    data_dir: str | os.PathLike,
    *,
    n_train: int = 60,
    n_test: int = 20,
    mirror: str | None = None,
    music_sources: Sequence[str] = QUICKSTART_MUSIC,
    subset: str | None = None,
    real_world_manifest: str | os.PathLike | None = None,
    log: Callable[[str], None] = print,
    **options,
) -> list[FetchReport]:
    """LibriSpeech speech, then real music from the first of ``music_sources`` that can be reached.

    Each source is all-or-nothing on its own: if the music cannot be fetched, the speech clips
    already added stay, and the error says how to get the music archive by hand.

    Parameters
    ----------
    data_dir : path-like
        Dataset root.
    n_train, n_test : int
        Clips per class and split.
    mirror : str or None
        Base URL serving every archive under its own file name (replaces the official addresses).
    music_sources : sequence of str
        Music sources to try in order (``"gtzan"``, ``"real-world"``, ``"musan"``).
    subset : str or None
        LibriSpeech subset for the speech.
    real_world_manifest : path-like or None
        The real-world list to use instead of the packaged one.
    log : callable
        Where progress messages go.
    **options
        Passed to :func:`speechmusic.data.sources.engine.collect` (``download=DownloadOptions(...)``,
        ``clips_per_group``, or the download options one by one: ``verify``, ``cache_dir``, ...) and,
        where they apply, to :func:`speechmusic.data.sources.real_world.fetch`.

    Returns
    -------
    list of FetchReport
        Speech report, then the music report.
    """
    sources = archive_sources(subset)
    speech = sources["librispeech"]
    reports = [collect(speech, data_dir, n_train=n_train, n_test=n_test,
                       urls=_urls_for(speech.archive, url=None, mirror=mirror), **options)]
    log(reports[0].summary())
    failures = []
    for name in music_sources:
        title = "the real-world set" if name == "real-world" else sources[name].title
        try:
            if name == "real-world":
                report = _real_world(data_dir, n_train=n_train, n_test=n_test, labels=("music",), mirror=mirror,
                                     manifest=real_world_manifest, **options)
            else:
                report = collect(sources[name], data_dir, n_train=n_train, n_test=n_test, labels=("music",),
                                 urls=_urls_for(sources[name].archive, url=None, mirror=mirror), **options)
        except ChecksumError:
            raise  # a wrong file is not "unreachable": say so rather than quietly switch sources
        except DownloadError as error:
            failures.append(f"{title}: {error}")
            log(f"{title} could not be downloaded; " + (
                "trying the next music source." if name != music_sources[-1] else "no music source left."))
            continue
        log(report.summary())
        reports.append(report)
        return reports
    raise DownloadError(
        f"the speech clips were added to {data_dir}, but no music source could be reached.\n\n"
        + "\n\n".join(failures)
        + "\n\nMUSAN's music (a 10 GiB archive, streamed) is another way: --source musan."
    )


def _real_world(data_dir, *, n_train: int, n_test: int, labels=("music", "speech"), mirror: str | None = None,
                manifest=None, clips_per_group: int | None = None, download: DownloadOptions | None = None,
                dataset_manifest: DatasetManifest | None = None, **download_options) -> FetchReport:
    """:func:`real_world.fetch` with the archive sources' options (``keep_archive`` has no meaning there:
    the originals are always kept in the cache)."""
    d = DownloadOptions.of(download, **download_options)
    return real_world.fetch(data_dir, n_train=n_train, n_test=n_test, labels=labels, manifest=manifest,
                            base_url=mirror, verify=d.verify, cache_dir=d.cache_dir, clips_per_group=clips_per_group,
                            progress=d.progress, timeout=d.timeout, retries=d.retries, backoff=d.backoff,
                            session=d.session, dataset_manifest=dataset_manifest)


def fetch(
    name: str,
    data_dir: str | os.PathLike,
    *,
    n_train: int = 60,
    n_test: int = 20,
    url: str | None = None,
    mirror: str | None = None,
    archive: str | os.PathLike | None = None,
    sha256: str | None = None,
    verify: bool = True,
    cache_dir: str | os.PathLike | None = None,
    keep_archive: bool = False,
    clips_per_group: int | None = None,
    subset: str | None = None,
    seed: int = 0,
    conditions: str | None = None,
    progress: bool = True,
    timeout=DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    session=None,
    real_world_manifest: str | os.PathLike | None = None,
    log: Callable[[str], None] = print,
) -> list[FetchReport]:
    """Add ``n_train`` + ``n_test`` clips per class from source ``name`` to ``data_dir``.

    Parameters
    ----------
    name : str
        One of :data:`SOURCE_NAMES`.
    data_dir : path-like
        Dataset root (``data/{train,test}/{speech,music}/``, ``manifest.csv``).
    n_train, n_test : int
        Clips per class in each split; clips this source already added count towards them.
    url : str or None
        Fetch the archive from this address (a mirror of the same file) instead of the official
        ones. Not for ``quickstart`` (two archives): use ``mirror``.
    mirror : str or None
        Base URL that serves archives under their published names (``<mirror>/dev-clean.tar.gz``)
        and the real-world originals in raw.githubusercontent.com's layout
        (``<mirror>/<repo>/<commit>/<path>``).
    archive : path-like or None
        A local copy of the archive to read instead of downloading.
    sha256 : str or None
        Pin the archive's sha256 (the whole file is then downloaded into the cache and checked).
    verify : bool
        False: compare no checksum at all.
    cache_dir : path-like or None
        Download cache (default ``<data_dir>/.cache/downloads``); archives put there by hand are
        used without the network.
    keep_archive : bool
        Download the whole archive into the cache (verified) instead of streaming part of it.
    clips_per_group : int or None
        At most this many clips per speaker (LibriSpeech) or track (GTZAN, MUSAN).
    subset : str or None
        LibriSpeech subset (``dev-clean``, ``test-clean``) for ``librispeech`` and ``pitchshift``.
    seed : int
        Seed of the synthetic dataset.
    conditions : {"lab", "world"} or None
        Preset of the synthetic dataset (None: "lab"; :mod:`speechmusic.data.synth.conditions`).
    progress : bool
        Progress bars.
    timeout, retries, backoff, session
        Network behaviour (see :func:`speechmusic.data.sources.download.download_archive`).
    real_world_manifest : path-like or None
        For ``real-world`` (and the quick start's fallback music): a list in the packaged format
        to use instead of the packaged one.
    log : callable
        Where messages go.

    Returns
    -------
    list of FetchReport
        One report per source used.

    Raises
    ------
    DownloadError, ChecksumError, UnsafeArchiveError, ArchiveError, ParameterError
        With nothing from the failing source left in ``data_dir``. A download error's message ends
        with :data:`OFFLINE_HINT`.
    """
    try:
        return _fetch(name, data_dir, n_train=n_train, n_test=n_test, url=url, mirror=mirror, archive=archive,
                      sha256=sha256, verify=verify, cache_dir=cache_dir, keep_archive=keep_archive,
                      clips_per_group=clips_per_group, subset=subset, seed=seed, conditions=conditions,
                      progress=progress, timeout=timeout, retries=retries, backoff=backoff, session=session,
                      real_world_manifest=real_world_manifest, log=log)
    except DownloadError as error:
        if OFFLINE_HINT not in str(error):
            error.args = (f"{error}\n\n{OFFLINE_HINT}",)
        raise


def _fetch(name, data_dir, *, n_train, n_test, url, mirror, archive, sha256, verify, cache_dir, keep_archive,
           clips_per_group, subset, seed, conditions, progress, timeout, retries, backoff, session,
           real_world_manifest, log) -> list[FetchReport]:
    if name not in SOURCE_NAMES:
        raise ParameterError(f"unknown source {name!r}; choose one of {', '.join(SOURCE_NAMES)}")
    if real_world_manifest is not None and name not in ("real-world", "quickstart"):
        raise ParameterError("--real-world-manifest applies to real-world and quickstart only")
    if name == "synthetic":
        for option, value in (("--url", url), ("--mirror", mirror), ("--archive", archive), ("--sha256", sha256)):
            if value:
                raise ParameterError(f"{option} does not apply to the synthetic source (nothing is downloaded)")
        report = build_synthetic(data_dir, n_train=n_train, n_test=n_test, seed=seed, progress=progress,
                                 conditions=conditions or "lab")
        log(report.summary())
        return [report]
    if conditions is not None:
        raise ParameterError("--conditions applies to the synthetic source only")
    # one value for how to download, from here to the opening of an archive's members
    download = DownloadOptions(verify=verify, cache_dir=cache_dir, keep_archive=keep_archive, progress=progress,
                               timeout=timeout, retries=retries, backoff=backoff, session=session)
    # the data folder's manifest, read once for the whole fetch (every source of the quick start)
    options = dict(download=download, clips_per_group=clips_per_group,
                   dataset_manifest=DatasetManifest.load(data_dir))
    if name == "quickstart":
        for option, value in (("--url", url), ("--archive", archive), ("--sha256", sha256)):
            if value:
                raise ParameterError(
                    f"{option} names one archive but the quick start reads two; run the sources one by one "
                    "(--source librispeech, then --source gtzan or real-world) or use --mirror BASE_URL"
                )
        return quickstart(data_dir, n_train=n_train, n_test=n_test, mirror=mirror, subset=subset,
                          real_world_manifest=real_world_manifest, log=log, **options)
    if name == "real-world":
        for option, value in (("--url", url), ("--archive", archive), ("--sha256", sha256), ("--subset", subset)):
            if value:
                raise ParameterError(
                    f"{option} does not apply to the real-world source (it downloads one file per recording, "
                    "each checked against the sha256 in its list); --mirror BASE_URL serves them as "
                    "BASE_URL/<repo>/<commit>/<path>"
                )
        report = _real_world(data_dir, n_train=n_train, n_test=n_test, mirror=mirror, manifest=real_world_manifest,
                             **options)
        log(report.summary())
        return [report]
    if subset and name not in ("librispeech", "pitchshift"):
        raise ParameterError("--subset applies to librispeech and pitchshift only")
    source = archive_sources(subset)[name]
    report = collect(source, data_dir, n_train=n_train, n_test=n_test, archive_path=archive, sha256=sha256,
                     urls=_urls_for(source.archive, url=url, mirror=mirror), **options)
    log(report.summary())
    return [report]


def clip_counts(reports: Sequence[FetchReport]) -> Counter:
    """New clips per (split, label) over several reports."""
    total: Counter = Counter()
    for report in reports:
        total.update(report.written)
    return total
