"""Helpers the lab notebook imports: the dataset loader and single-file features.

This file is a thin front door to the ``speechmusic`` package (``src/speechmusic/dataset.py``),
kept at the top of the repository under the name the lab has always used.

    from audio_utils import load_dataset, load_audio_file
"""

from speechmusic.config import CLASS_NAMES, DEFAULT_PARAMS, FeatureParams
from speechmusic.dataset import load_audio_file, load_dataset, resolve_data_dir

__all__ = ["load_dataset", "load_audio_file", "resolve_data_dir", "DEFAULT_PARAMS", "FeatureParams", "CLASS_NAMES"]
