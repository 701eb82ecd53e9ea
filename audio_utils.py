"""Helpers the lab notebook imports: the dataset loader and single-file features.

This file is a thin front door to the ``speechmusic`` package (``src/speechmusic/dataset.py``),
kept at the top of the repository under the name the lab has always used.

    from audio_utils import load_dataset, load_audio_file
"""

import sys as _sys
from pathlib import Path as _Path

try:  # a Python without the lab's packages gets one line saying what to run instead of a traceback
    from speechmusic.bootstrap import check_lab_python as _check_lab_python
except ModuleNotFoundError:  # this Python has not installed the package: use the one beside this file
    _sys.path.insert(0, str(_Path(__file__).resolve().parent / "src"))
    from speechmusic.bootstrap import check_lab_python as _check_lab_python
_check_lab_python(_Path(__file__).resolve().parent)

from speechmusic.config import CLASS_NAMES, DEFAULT_PARAMS, FeatureParams
from speechmusic.dataset import load_audio_file, load_dataset, resolve_data_dir

__all__ = ["load_dataset", "load_audio_file", "resolve_data_dir", "DEFAULT_PARAMS", "FeatureParams", "CLASS_NAMES"]
