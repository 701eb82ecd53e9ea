"""GTZAN music/speech collection: 64 music and 64 speech excerpts of 30 s.

* Collection: "GTZAN Music/Speech Collection", George Tzanetakis (1999), gathered for
  music/speech discrimination; described at http://marsyas.info/downloads/datasets.html.
* File: ``music_speech.tar.gz``, 297,055,930 bytes, sha256
  ``8753bc4129fc0a916d6efcf25dbcaf30e06b41acb44ad7c3d0b5c9d9c90ff546`` (as recorded by TensorFlow
  Datasets for the same URL). Only one address is documented,
  http://opihi.cs.uvic.ca/sound/music_speech.tar.gz, and that host has been reported unreachable
  since 2022: when it fails, download a copy by hand (for example the Kaggle data set
  "lnicalo/gtzan-musicspeech-collection", a zip that needs a Kaggle login) and put it in the
  download cache as ``music_speech.tar.gz`` or ``gtzan-musicspeech-collection.zip``.
* Layout: ``music_speech/music_wav/<name>.wav`` and ``music_speech/speech_wav/<name>.wav``,
  22050 Hz mono 16-bit. Any archive whose files sit in folders named ``music_wav`` and
  ``speech_wav`` is accepted (the Kaggle zip has them at its top level).
* Licence: none stated. The collection was assembled for research and is not openly licensed:
  use it for this lab only, do not redistribute the clips, and cite the collection (and
  Tzanetakis & Cook, "Musical genre classification of audio signals", IEEE TSAP 2002).

Clips: several consecutive 3-s clips per 30-s track (at most ``clips_per_group``), and every
track in train or in test, never both.
"""

from __future__ import annotations

import re

from speechmusic.data.sources.download import ArchiveSpec
from speechmusic.data.sources.engine import ArchiveSource, Item, collect

HOMEPAGE = "http://marsyas.info/downloads/datasets.html"
LICENCE = (
    "no licence stated (research collection, not openly licensed: do not redistribute); GTZAN Music/Speech "
    "Collection, G. Tzanetakis 1999, http://marsyas.info/downloads/datasets.html"
)

ARCHIVE = ArchiveSpec(
    filename="music_speech.tar.gz",
    urls=("http://opihi.cs.uvic.ca/sound/music_speech.tar.gz",),
    size=297_055_930,
    sha256="8753bc4129fc0a916d6efcf25dbcaf30e06b41acb44ad7c3d0b5c9d9c90ff546",
    homepage=HOMEPAGE,
    aliases=("gtzan-musicspeech-collection.zip", "music_speech.zip"),
    note=(
        "The only documented address has been reported unreachable since 2022. A copy is on Kaggle "
        "(data set lnicalo/gtzan-musicspeech-collection, needs a free account): save its zip as "
        "gtzan-musicspeech-collection.zip in that folder. Or use --source musan for openly licensed music."
    ),
)

_TRACK = re.compile(r"(?:^|/)(?P<label>music|speech)_wav/(?P<track>[^/]+)\.wav$", re.IGNORECASE)


def classify(name: str) -> Item | None:
    """The track an archive member holds (a group of its own); None for anything else.

    Examples
    --------
    >>> classify("music_speech/speech_wav/comedy.wav").group
    'gtzan-speech-comedy'
    >>> classify("music_speech/music_wav/bagpipe.wav").label
    'music'
    """
    match = _TRACK.search(name)
    if match is None or match["track"].startswith("."):
        return None
    label, track = match["label"].lower(), match["track"]
    return Item(
        label=label,
        group=f"gtzan-{label}-{track}",
        original=f"music_speech/{label}_wav/{track}.wav",
        stem=f"gtzan-{label}-{track}",
    )


def source() -> ArchiveSource:
    """GTZAN music and speech clips."""
    return ArchiveSource(
        name="gtzan",
        title="GTZAN music/speech collection",
        licence=LICENCE,
        archive=ARCHIVE,
        classify=classify,
        labels=("music", "speech"),
        spread=32,
    )


def fetch(data_dir, *, n_train: int = 60, n_test: int = 20, **options):
    """Add GTZAN clips to ``data_dir`` (``labels=("music",)`` for music only). See :func:`~speechmusic.data.sources.engine.collect`."""
    return collect(source(), data_dir, n_train=n_train, n_test=n_test, **options)
