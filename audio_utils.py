"""Helpers the lab notebook imports: the dataset loader and single-file features.

This file is a thin front door to the ``speechmusic`` package (``src/speechmusic/data/dataset.py``),
kept at the top of the repository under the name the lab has always used, with the same
signatures as the original lab's helpers (same argument names and order)::

    from audio_utils import load_dataset, load_audio_file

    train_set_x_orig, train_set_y, test_set_x_orig, test_set_y, classes = load_dataset()
    # load_dataset(data_path='data', sr=22050, duration=3.0, n_mels=128): speech examples first, then music
    spectrogram = load_audio_file("my_recording.wav", sr=22050, duration=3.0, n_mels=128)
    # load_audio_file(file_path, sr=22050, duration=3.0, n_mels=128, n_fft=2048, hop_length=512)

Arguments left out take the lab's values (``data_path`` defaults to ``$SPEECHMUSIC_DATA`` when
set, else ``data``). The package's own keyword arguments (``params=``, ``cache=``, ``dtype=``,
...) work too; see ``help(load_dataset)``.
"""

import sys as _sys
from pathlib import Path as _Path

try:  # a Python without the lab's packages gets one line saying what to run instead of a traceback
    from speechmusic.teaching.bootstrap import check_lab_python as _check_lab_python
except ModuleNotFoundError:  # this Python has not installed the package: use the one beside this file
    _sys.path.insert(0, str(_Path(__file__).resolve().parent / "src"))
    from speechmusic.teaching.bootstrap import check_lab_python as _check_lab_python
_check_lab_python(_Path(__file__).resolve().parent)

from speechmusic.core.config import CLASS_NAMES, DEFAULT_PARAMS, FeatureParams
from speechmusic.data.dataset import load_audio_file, load_dataset, resolve_data_dir

__all__ = ["load_dataset", "load_audio_file", "resolve_data_dir", "DEFAULT_PARAMS", "FeatureParams", "CLASS_NAMES"]
