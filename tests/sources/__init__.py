"""Tests of the data sources (downloads, archives, LibriSpeech, GTZAN, MUSAN, pitch shift)."""
