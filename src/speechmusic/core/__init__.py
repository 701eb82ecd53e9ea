"""The core layer: settings, errors, safe file writing, audio decoding, features and the model.

Nothing here imports from the layers above (:mod:`speechmusic.data`, :mod:`speechmusic.apps`,
:mod:`speechmusic.teaching`, :mod:`speechmusic.commands`); ``tests/test_layers.py`` checks it.

- :mod:`~speechmusic.core.config` — :class:`FeatureParams` and the lab's fixed values;
- :mod:`~speechmusic.core.errors` — the package's exception hierarchy (:class:`SpeechMusicError`);
- :mod:`~speechmusic.core.fileio` — atomic writes (temporary file + rename), unique names;
- :mod:`~speechmusic.core.audio` — decoding, resampling, clip start and length;
- :mod:`~speechmusic.core.features` — mel-spectrogram features;
- :mod:`~speechmusic.core.model` — the logistic-regression classifier;
- :mod:`~speechmusic.core.executor` — many independent tasks on local processes or a Dask cluster.
"""

__all__ = ["config", "errors", "fileio", "audio", "features", "model", "executor"]
