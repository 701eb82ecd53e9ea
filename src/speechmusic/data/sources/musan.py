"""MUSAN music: openly licensed recordings of many genres (the music part of a larger corpus).

* Corpus: MUSAN, "A Music, Speech, and Noise Corpus", D. Snyder, G. Chen, D. Povey (2015),
  arXiv:1510.08484, https://www.openslr.org/17 (OpenSLR resource SLR17).
* Licence: released under Creative Commons licences; every recording is under a Creative
  Commons licence or in the US public domain. The music comes from several collections (Free
  Music Archive, Jamendo and others); each folder
  ``musan/music/<collection>/`` carries its own ``LICENSE`` file and an ``ANNOTATIONS`` file
  naming the artist of every track. Attribute the corpus and, if you publish clips, the artists.
  When a collection's ``LICENSE`` file has been read by the time the clips are saved (it may lie
  after the tracks in the archive, in which case a streamed run can stop before it), each clip's
  manifest row carries that track's own licence and artist; otherwise the general statement
  above, pointing at the ``LICENSE`` file.
* File: ``musan.tar.gz``, 11,086,114,085 bytes (about 10.3 GiB), md5
  ``0c472d4fc0c5141eca47ad1ffeb2a7df`` (published by OpenSLR; no sha256 is published, so the
  md5 is what is checked when the whole file is downloaded; ``--sha256`` pins one).
* Layout: ``musan/music/<collection>/music-<collection>-NNNN.wav`` (16 kHz mono, about 42 hours
  in all, tracks of a few minutes), next to ``musan/speech/...`` and ``musan/noise/...``, which
  are not used here.

The archive is large, so it is streamed and the transfer stops once enough clips are made; how
much has to be read depends on where the music folder lies in the archive (possibly several GB
of speech and noise come first). Clips: consecutive 3-s clips from the start of each track's
sound, at most ``clips_per_group`` per track, and every track in train or in test, never both.
"""

from __future__ import annotations

import re

from speechmusic.data.sources.download import ArchiveSpec
from speechmusic.data.sources.engine import ArchiveSource, Item, collect
from speechmusic.data.sources.librispeech import OPENSLR_MIRRORS

HOMEPAGE = "https://www.openslr.org/17"
LICENCE = (
    "Creative Commons or US public domain (per track: musan/music/<collection>/LICENSE and ANNOTATIONS); "
    "MUSAN corpus, Snyder, Chen & Povey 2015, https://www.openslr.org/17"
)

ARCHIVE = ArchiveSpec(
    filename="musan.tar.gz",
    urls=tuple(f"{base}/17/musan.tar.gz" for base in OPENSLR_MIRRORS),
    size=11_086_114_085,
    md5="0c472d4fc0c5141eca47ad1ffeb2a7df",
    homepage=HOMEPAGE,
)

_TRACK = re.compile(r"(?:^|/)musan/music/(?P<collection>[\w.-]+)/(?P<track>[^/]+)\.wav$")
_METADATA = re.compile(r"(?:^|/)musan/music/(?P<collection>[\w.-]+)/(?P<kind>LICENSE|ANNOTATIONS)$")
_SEPARATOR = re.compile(r"^\s*={5,}\s*$")


def classify(name: str) -> Item | None:
    """The music track an archive member holds (a group of its own); None for anything else.

    Examples
    --------
    >>> classify("musan/music/fma/music-fma-0003.wav").group
    'musan-music-fma-0003'
    >>> classify("musan/speech/librivox/speech-librivox-0000.wav") is None
    True
    """
    match = _TRACK.search(name)
    if match is None or match["track"].startswith("."):
        return None
    collection, track = match["collection"], match["track"]
    return Item(
        label="music",
        group=f"musan-{track}",
        original=f"musan/music/{collection}/{track}.wav",
        stem=f"musan-{track}",
    )


def is_metadata(name: str) -> bool:
    """The per-collection ``LICENSE`` and ``ANNOTATIONS`` files (kept to credit each track)."""
    return _METADATA.search(name) is not None


def parse_licences(text: str) -> dict[str, str]:
    r"""Track id -> licence statement, from a collection's ``LICENSE`` file.

    The file lists one block per track, blocks separated by lines of ``=``; a block starts with
    the track id and continues with the licence (name, statement and/or link).

    Examples
    --------
    >>> parse_licences("music-fma-0001\nCC BY 4.0\nhttps://creativecommons.org/licenses/by/4.0/\n=====\n"
    ...                "music-fma-0002\nCC BY-SA 3.0\n")["music-fma-0002"]
    'CC BY-SA 3.0'
    """
    licences: dict[str, str] = {}
    block: list[str] = []
    for line in [*text.splitlines(), "====="]:
        if _SEPARATOR.match(line):
            lines = [x.strip() for x in block if x.strip()]
            if len(lines) >= 2 and lines[0].startswith("music-"):
                licences[lines[0]] = " ".join(lines[1:])
            block = []
        else:
            block.append(line)
    return licences


def parse_artists(text: str) -> dict[str, str]:
    """Track id -> artist, from a collection's ``ANNOTATIONS`` (``id genres vocals artist [composer]``)."""
    artists = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[0].startswith("music-"):
            artists[fields[0]] = fields[3].replace("_", " ")
    return artists


def licence_for(original: str, metadata: dict) -> str | None:
    """The licence (and artist) of one track, when its collection's files were read; else None."""
    match = _TRACK.search(original)
    if match is None:
        return None
    collection, track = match["collection"], match["track"]

    def text(kind: str) -> str:
        for name, data in metadata.items():
            found = _METADATA.search(name)
            if found and found["collection"] == collection and found["kind"] == kind:
                return data.decode("utf-8", errors="replace")
        return ""

    licence = parse_licences(text("LICENSE")).get(track)
    if not licence:
        return None
    artist = parse_artists(text("ANNOTATIONS")).get(track)
    by = f" by {artist}" if artist else ""
    return f"{licence} (track {track}{by}); MUSAN corpus, Snyder, Chen & Povey 2015, {HOMEPAGE}"


def source() -> ArchiveSource:
    """MUSAN music clips."""
    return ArchiveSource(
        name="musan",
        title="MUSAN music",
        licence=LICENCE,
        archive=ARCHIVE,
        classify=classify,
        labels=("music",),
        spread=40,
        is_metadata=is_metadata,
        licence_for=licence_for,
    )


def fetch(data_dir, *, n_train: int = 60, n_test: int = 20, **options):
    """Add MUSAN music clips to ``data_dir``. See :func:`~speechmusic.data.sources.engine.collect`."""
    return collect(source(), data_dir, n_train=n_train, n_test=n_test, **options)
