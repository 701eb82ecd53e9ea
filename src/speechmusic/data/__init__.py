"""The data layer: datasets on disk, importing recordings, downloads and the synthetic set.

Imports only :mod:`speechmusic.core` (``tests/test_layers.py`` checks it).

- :mod:`~speechmusic.data.dataset` — loading ``data/{train,test}/{speech,music}`` into arrays;
- :mod:`~speechmusic.data.ingest` — cutting a user's recordings into clips (``prepare``);
- :mod:`~speechmusic.data.sources` — the downloadable sources (LibriSpeech, GTZAN, MUSAN, the
  real-world set, ...) and the download engine;
- :mod:`~speechmusic.data.synth` — the offline synthetic dataset.
"""

__all__ = ["dataset", "ingest", "sources", "synth"]
