"""``speechmusic download``: fill the data folder from a real or synthetic source."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from speechmusic.commands.common import HelpFormatter
from speechmusic.data.dataset import resolve_data_dir
from speechmusic.data.sources import SOURCE_NAMES, fetch
from speechmusic.data.sources.download import DEFAULT_RETRIES

EXAMPLES = """\
sources:
  synthetic    offline: generated speech-like and music-like clips (no download)
  librispeech  real speech, LibriSpeech dev-clean (CC BY 4.0); streams part of a 322 MiB archive
  gtzan        real music and speech, GTZAN music/speech collection (283 MiB; research use only)
  musan        real music, MUSAN (Creative Commons / public domain); streams part of a 10.3 GiB archive
  pitchshift   pitch-shifted LibriSpeech speech as "music": NOT real music (the original lab's fallback)
  real-world   real speech (16 languages, telephone, noisy) and music (many styles) from 29 public
               repositories; open licences, credited in DATA_DIR/ATTRIBUTION-real-world.md; downloads
               only the original files it uses (up to 113, 61 MiB or more), each checked by sha256
  quickstart   LibriSpeech speech + real music (GTZAN, or the real-world set's music when GTZAN is
               unreachable)

examples:
  .venv/bin/speechmusic download --source quickstart --data-dir data --train 60 --test 20
  .venv/bin/speechmusic download --source real-world --train 100 --test 30
  .venv/bin/speechmusic download --source librispeech --train 100 --test 30 --keep-archive
  .venv/bin/speechmusic download --source gtzan --url https://my-mirror.example/music_speech.tar.gz --sha256 <64 hex>
  .venv/bin/speechmusic download --source librispeech --archive ~/Downloads/dev-clean.tar.gz
  .venv/bin/speechmusic download --source synthetic --data-dir data
  .venv/bin/speechmusic download --source synthetic --conditions world --train 400 --test 0 --data-dir data-world

N clips per class and split. Train and test never share a speaker (LibriSpeech), a track (GTZAN,
MUSAN) or a source (real-world: a repository owner). Archives are read without unpacking them; a run that
fails leaves the data folder as it was; running the same command twice adds nothing
(DATA_DIR/manifest.csv records the source, original file, offset and licence of every clip).
Files placed in DATA_DIR/.cache/downloads/ are used without the network. Offline:
--source synthetic. Details and licences: docs/data-sources.md.
"""


def add_download_arguments(parser: argparse.ArgumentParser, *, source_required: bool = True) -> None:
    """The options shared by ``speechmusic download`` and ``download_samples.py``."""
    parser.add_argument("--source", choices=SOURCE_NAMES, required=source_required, help="where the clips come from")
    parser.add_argument("--data-dir", type=Path, default=None, help="dataset folder (default: $SPEECHMUSIC_DATA or ./data)")
    parser.add_argument("--train", type=_count, default=60, metavar="N", help="training clips per class")
    parser.add_argument("--test", type=_count, default=20, metavar="N", help="test clips per class")
    parser.add_argument("--url", default=None, help="fetch the archive from this address (a mirror of the same file)")
    parser.add_argument("--mirror", default=None, metavar="BASE_URL",
                        help="fetch every archive as BASE_URL/<archive name> and the real-world originals as "
                             "BASE_URL/<repo>/<commit>/<path>, instead of the official addresses")
    parser.add_argument("--archive", type=Path, default=None, metavar="FILE",
                        help="read this local copy of the archive instead of downloading")
    check = parser.add_mutually_exclusive_group()
    check.add_argument("--sha256", default=None, metavar="HEX",
                       help="pin the archive's sha256 (the whole archive is then downloaded and checked)")
    check.add_argument("--no-verify", action="store_true", help="compare no checksum")
    parser.add_argument("--keep-archive", action="store_true",
                        help="download the whole archive into the cache (verified) instead of streaming part of it")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR", help="download cache (default: DATA_DIR/.cache/downloads)")
    parser.add_argument("--subset", choices=("dev-clean", "test-clean"), default=None,
                        help="LibriSpeech subset (default: dev-clean for librispeech, test-clean for pitchshift)")
    parser.add_argument("--clips-per-group", type=_positive, default=None, metavar="N",
                        help="at most N clips per speaker (LibriSpeech), track (GTZAN, MUSAN) or recording "
                             "(real-world)")
    parser.add_argument("--real-world-manifest", type=Path, default=None, metavar="FILE",
                        help="real-world and quickstart: a list of clips in the packaged format (columns "
                             "id,label,...,source_sha256,start_s,duration_s,licence,attribution) instead of the "
                             "packaged one")
    parser.add_argument("--retries", type=_count, default=DEFAULT_RETRIES, metavar="N", help="further attempts per mirror")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="network timeout")
    parser.add_argument("--seed", type=_count, default=0, help="seed of the synthetic dataset")
    parser.add_argument("--conditions", choices=("lab", "world"), default=None,
                        help="synthetic source only: 'lab' (default) makes the lab's clips; 'world' makes clips that "
                             "look like people's recordings (other languages, far rooms, loud backgrounds, phones, "
                             "codecs), for training a model for real recordings (docs/synthetic.md)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError("expected a number >= 1")
    return value


def register(subparsers) -> None:
    
    parser = subparsers.add_parser(
        "download",
        help="get real (LibriSpeech, GTZAN, MUSAN, real-world) or synthetic clips into the data folder",
        description="Fill the data folder with 3-s clips from a real or synthetic source.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    add_download_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the download the parsed options describe; errors propagate (the caller prints them)."""
    data_dir = resolve_data_dir(args.data_dir)
    reports = fetch(
        args.source,
        data_dir,
        n_train=args.train,
        n_test=args.test,
        url=args.url,
        mirror=args.mirror,
        archive=args.archive,
        sha256=args.sha256,
        verify=not args.no_verify,
        cache_dir=args.cache_dir,
        keep_archive=args.keep_archive,
        clips_per_group=args.clips_per_group,
        subset=args.subset,
        seed=args.seed,
        conditions=args.conditions,
        progress=not args.quiet,
        timeout=(min(10.0, args.timeout), args.timeout),
        retries=args.retries,
        real_world_manifest=args.real_world_manifest,
        log=print,
    )
    written = sum(r.total_written for r in reports)
    print(f"done: {written} new clips in {data_dir}")
    if any(r.shortfall() for r in reports):
        print("warning: fewer clips than asked for (see above)", file=sys.stderr)
    return 0
