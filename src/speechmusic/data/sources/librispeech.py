"""LibriSpeech: read English speech (audiobooks), the lab's real speech.

* Corpus: LibriSpeech ASR corpus, V. Panayotov, G. Chen, D. Povey, S. Khudanpur (2015),
  https://www.openslr.org/12 (OpenSLR resource SLR12).
* Licence: CC BY 4.0 ("LibriSpeech (c) 2014 by Vassil Panayotov", ``LibriSpeech/LICENSE.TXT`` in
  the archive); the readings come from LibriVox recordings in the public domain.
* Subsets used here (16 kHz FLAC, 40 speakers each, 20 women and 20 men, about 5.4 hours):

  ============  ===================  ===============  ================================================================
  subset        file                 size (bytes)     sha256
  ============  ===================  ===============  ================================================================
  dev-clean     dev-clean.tar.gz     337,926,286      76f87d090650617fca0cac8f88b9416e0ebf80350acb97b343a85fa903728ab3
  test-clean    test-clean.tar.gz    346,663,984      39fde525e59672dc6d1551919b1478f724438a95aa55f874b576be21967e6c23
  ============  ===================  ===============  ================================================================

  (md5 published by OpenSLR: 42e2234ba48799c1f50f24a7926300a1 and 32fa31d27d2e1cad72775fee3f4849a9.)
* Layout: ``LibriSpeech/<subset>/<speaker>/<chapter>/<speaker>-<chapter>-<utterance>.flac`` plus
  ``.trans.txt`` transcripts and ``LibriSpeech/{README,LICENSE,SPEAKERS,CHAPTERS,BOOKS}.TXT``.

Clips: at most one per utterance (its first 3 s of sound, after leading silence), at most
``clips_per_group`` per speaker, and every speaker in train or in test, never both. The archive
is streamed and the transfer stops once enough clips are made: the default 60 + 20 clips read
roughly the first half of dev-clean.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from speechmusic.core.errors import ParameterError
from speechmusic.data.sources.download import ArchiveSpec
from speechmusic.data.sources.engine import ArchiveSource, Item, collect

#: OpenSLR's mirrors, tried in this order (main site, US, EU, CN).
OPENSLR_MIRRORS = (
    "https://www.openslr.org/resources",
    "https://us.openslr.org/resources",
    "https://openslr.elda.org/resources",
    "https://openslr.trmal.net/resources",
)

HOMEPAGE = "https://www.openslr.org/12"
LICENCE = (
    "CC BY 4.0; LibriSpeech ASR corpus (c) 2014 Vassil Panayotov et al., https://www.openslr.org/12 "
    "(readings from public-domain LibriVox recordings)"
)


def _openslr(resource: int, filename: str) -> tuple[str, ...]:
    return tuple(f"{base}/{resource}/{filename}" for base in OPENSLR_MIRRORS)


SUBSETS: dict[str, ArchiveSpec] = {
    "dev-clean": ArchiveSpec(
        filename="dev-clean.tar.gz",
        urls=_openslr(12, "dev-clean.tar.gz"),
        size=337_926_286,
        sha256="76f87d090650617fca0cac8f88b9416e0ebf80350acb97b343a85fa903728ab3",
        md5="42e2234ba48799c1f50f24a7926300a1",
        homepage=HOMEPAGE,
    ),
    "test-clean": ArchiveSpec(
        filename="test-clean.tar.gz",
        urls=_openslr(12, "test-clean.tar.gz"),
        size=346_663_984,
        sha256="39fde525e59672dc6d1551919b1478f724438a95aa55f874b576be21967e6c23",
        md5="32fa31d27d2e1cad72775fee3f4849a9",
        homepage=HOMEPAGE,
    ),
}
DEFAULT_SUBSET = "dev-clean"

_UTTERANCE = re.compile(
    r"(?:^|/)LibriSpeech/(?P<subset>[\w-]+)/(?P<speaker>\d+)/(?P<chapter>\d+)/"
    r"(?P=speaker)-(?P=chapter)-(?P<utterance>\d+)\.flac$"
)


def classify(name: str) -> Item | None:
    """The utterance an archive member holds, grouped by speaker; None for anything else.

    Examples
    --------
    >>> classify("LibriSpeech/dev-clean/84/121123/84-121123-0000.flac")
    Item(label='speech', group='librispeech-speaker-84', original='LibriSpeech/dev-clean/84/121123/84-121123-0000.flac', stem='librispeech-84-121123-0000')
    >>> classify("LibriSpeech/dev-clean/84/121123/84-121123.trans.txt") is None
    True
    """
    match = _UTTERANCE.search(name)
    if match is None:
        return None
    speaker, chapter, utterance = match["speaker"], match["chapter"], match["utterance"]
    return Item(
        label="speech",
        # Speaker ids are unique across all LibriSpeech subsets, so the group needs no subset.
        group=f"librispeech-speaker-{speaker}",
        original=f"LibriSpeech/{match['subset']}/{speaker}/{chapter}/{speaker}-{chapter}-{utterance}.flac",
        stem=f"librispeech-{speaker}-{chapter}-{utterance}",
    )


def archive_spec(subset: str = DEFAULT_SUBSET) -> ArchiveSpec:
    """The published archive of a subset (``dev-clean`` or ``test-clean``)."""
    try:
        return SUBSETS[subset]
    except KeyError:
        raise ParameterError(f"LibriSpeech subset must be one of {', '.join(SUBSETS)}, got {subset!r}") from None


#: Manifest sources made from LibriSpeech speakers. They share one train/test assignment of
#: speakers, so that no voice is in train under one source and in test under another.
SPEAKER_SOURCES = ("librispeech", "pitchshift")
#: Speakers a class's clips are spread over (a subset has 40).
SPEAKERS_PER_CLASS = 20


def utterance_source(*, name: str, title: str, licence: str, subset: str, label: str,
                     classify: Callable[[str], Item | None],
                     transform: Callable[[np.ndarray, Item, int], np.ndarray] | None = None) -> ArchiveSource:
    """A source of clips cut from the utterances of a LibriSpeech subset.

    Every LibriSpeech-based source selects utterances the same way: at most one clip per
    utterance, clips spread over :data:`SPEAKERS_PER_CLASS` speakers, and the speakers' train/test
    assignment shared with the other :data:`SPEAKER_SOURCES`.

    Parameters
    ----------
    name : str
        The manifest's ``source`` value, one of :data:`SPEAKER_SOURCES`.
    title, licence : str
        Name for messages; licence and attribution recorded for every clip.
    subset : str
        ``dev-clean`` or ``test-clean`` (see :func:`archive_spec`).
    label : str
        The class the clips are written to.
    classify : callable
        ``member name -> Item | None``, :func:`classify` or a relabelling of it.
    transform : callable or None
        ``(clip, item, sample_rate) -> clip`` applied before writing.

    Returns
    -------
    ArchiveSource

    Examples
    --------
    >>> utterance_source(name="librispeech", title="LibriSpeech", licence=LICENCE,
    ...                  subset="dev-clean", label="speech", classify=classify).group_sources
    ('pitchshift',)
    """
    return ArchiveSource(
        name=name,
        title=title,
        licence=licence,
        archive=archive_spec(subset),
        classify=classify,
        labels=(label,),
        spread=SPEAKERS_PER_CLASS,
        clips_per_member=1,
        group_sources=tuple(other for other in SPEAKER_SOURCES if other != name),
        transform=transform,
    )


def source(subset: str = DEFAULT_SUBSET) -> ArchiveSource:
    """LibriSpeech speech clips from ``subset``."""
    return utterance_source(name="librispeech", title=f"LibriSpeech {subset}", licence=LICENCE,
                            subset=subset, label="speech", classify=classify)


def fetch(data_dir, *, n_train: int = 60, n_test: int = 20, subset: str = DEFAULT_SUBSET, **options):
    """Add LibriSpeech speech clips to ``data_dir``. Options as in :func:`speechmusic.data.sources.engine.collect`.

    Examples
    --------
    >>> report = fetch("data", n_train=60, n_test=20)     # doctest: +SKIP
    >>> print(report.summary())                           # doctest: +SKIP
    """
    return collect(source(subset), data_dir, n_train=n_train, n_test=n_test, **options)
