"""``speechmusic listen``: label a microphone, a stream or a file as it plays."""

from __future__ import annotations

import argparse
import datetime as _dt
import math
import signal
import sys
import threading
import time
from pathlib import Path

from speechmusic.apps.evidence import segmentation_labels
from speechmusic.apps.listener import GAP, Listener
from speechmusic.apps.live import DEFAULT_LATENCY, LiveSegmenter
from speechmusic.apps.live_page import LivePage
from speechmusic.apps.live_sources import (
    RAW_FORMATS,
    FfmpegSource,
    Lost,
    MicrophoneSource,
    RawFormat,
    StdinSource,
    input_devices,
)
from speechmusic.apps.pipeline import resolve_classifier
from speechmusic.apps.segment_formats import SEGMENT_FORMATS, SegmentLog
from speechmusic.commands.common import (
    HelpFormatter,
    add_model_or_default,
    counted,
    non_negative_float,
    positive_float,
    positive_int,
    refuse_existing,
)
from speechmusic.commands.segment import add_segmentation_options
from speechmusic.core.errors import ParameterError
from speechmusic.core.executor import one_blas_thread

EXAMPLES = """\
examples:
  .venv/bin/speechmusic listen                                   # the default microphone
  .venv/bin/speechmusic listen --list-devices                    # the input devices PortAudio sees
  .venv/bin/speechmusic listen --device "USB" --duration 10      # check a microphone: 10 s, then stop
  .venv/bin/speechmusic listen https://radio.example/live.mp3 -o radio.csv --serve 8000
  .venv/bin/speechmusic listen https://tv.example/news/playlist.m3u8 --format json -o news.json
  .venv/bin/speechmusic listen show.flac --realtime              # a file at its own pace
  .venv/bin/speechmusic listen show.flac -o show.csv             # a file as fast as it decodes
  arecord -f S16_LE -r 16000 -c 1 -t raw | .venv/bin/speechmusic listen - --raw-rate 16000
  sox talk.wav -t wav - | .venv/bin/speechmusic listen -

SOURCE is a file or anything ffmpeg reads (http(s):// Icecast/Shoutcast streams, HLS playlists,
rtmp://, ...), '-' for standard input (a WAV, or raw PCM with --raw-rate), or nothing for the
microphone (--device NAME for another input device). Files and streams are decoded by ffmpeg,
which must be installed (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg); the
microphone needs the optional extra: .venv/bin/pip install -e '.[live]' (and PortAudio: apt-get
install libportaudio2, brew install portaudio).

The same windows, model and smoothing as 'segment', deciding each second of audio once --latency
seconds more have been heard: a change is printed at most --latency + one hop after it was heard.
Each change is a line on stdout (time in the stream, label, probability; the clock time for live
sources); a status line on stderr shows the label now (on a terminal, unless --quiet). With
--output FILE every segment is written as soon as it closes, in any --format, and the file is
valid after every segment (CSV and Audacity grow by a line, flushed to disk; TextGrid and JSON are
rewritten whole, atomically): a crash or kill -9 loses only the segment still open. A stream that
drops is opened again with back-off (0.5 s doubling to 30 s); the time without audio is written as
a segment labelled 'gap'. A stream that gives no audio at all within --timeout is an error.
--duration, Ctrl-C and SIGTERM close the open segment, write it, and exit 0.

Exit status: 0 when listening ended (the source ended, --duration, Ctrl-C, SIGTERM); 2 on an
error (no ffmpeg, a source that never gave audio, an output file that exists).
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "listen",
        help="label a microphone, an internet stream or a file as it plays (live; a page with --serve)",
        description="Label speech and music live: the default microphone, a stream, a file or standard input.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("source", nargs="?", default=None, metavar="SOURCE",
                        help="a file, a URL ffmpeg reads, or '-' for standard input (default: the microphone)")
    parser.add_argument("--device", default=None, metavar="NAME",
                        help="the input device to listen to (a name, part of one, or an index; see --list-devices)")
    parser.add_argument("--list-devices", action="store_true", help="list the input devices and exit")
    add_model_or_default(parser)
    add_segmentation_options(parser)
    parser.add_argument("--latency", type=non_negative_float, default=DEFAULT_LATENCY, metavar="SECONDS",
                        help="seconds of audio heard past a moment before its label is decided (the look-ahead)")
    parser.add_argument("--realtime", action="store_true",
                        help="play a file at its own pace (streams and microphones always are)")
    parser.add_argument("--no-reconnect", dest="reconnect", action="store_false",
                        help="stop when a network stream ends instead of opening it again")
    parser.add_argument("--timeout", type=positive_float, default=10.0, metavar="SECONDS",
                        help="seconds without audio after which a stream counts as dropped (the first time: as "
                             "never answering)")
    parser.add_argument("--duration", type=positive_float, default=None, metavar="SECONDS",
                        help="stop after this many seconds of the stream")
    parser.add_argument("--format", choices=tuple(SEGMENT_FORMATS), default="csv",
                        help="the format of --output: csv, audacity, textgrid or json")
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                        help="write each segment to FILE as it closes")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output file")
    parser.add_argument("--serve", type=int, default=None, metavar="PORT",
                        help="serve a live page on http://127.0.0.1:PORT/ (0: a free port, printed on stderr)")
    raw = parser.add_argument_group("raw PCM on standard input (SOURCE '-')")
    raw.add_argument("--raw-rate", type=positive_int, default=None, metavar="HZ",
                     help="standard input is headerless PCM at HZ samples per second")
    raw.add_argument("--raw-channels", type=positive_int, default=1, metavar="N", help="channels of the raw PCM")
    raw.add_argument("--raw-format", choices=tuple(RAW_FORMATS), default="s16le",
                     help="sample format of the raw PCM (little-endian)")
    parser.add_argument("--quiet", action="store_true", help="no status line and no summary on stderr")
    parser.set_defaults(func=run)


def clock(seconds: float) -> str:
    """``H:MM:SS.s``.

    Examples
    --------
    >>> clock(3723.4)
    '1:02:03.4'
    """
    seconds = max(0.0, round(seconds, 1))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours)}:{int(minutes):02d}:{secs:04.1f}"


def _check(args: argparse.Namespace) -> None:
    if args.device is not None and args.source is not None:
        raise ParameterError("--device picks a microphone: give it without SOURCE")
    if args.source != "-" and (args.raw_rate is not None or args.raw_channels != 1 or args.raw_format != "s16le"):
        raise ParameterError("--raw-rate, --raw-channels and --raw-format describe standard input: give SOURCE '-'")
    if args.raw_rate is None and (args.raw_channels != 1 or args.raw_format != "s16le"):
        raise ParameterError("raw PCM needs its rate: --raw-rate HZ")
    if args.serve is not None and not 0 <= args.serve <= 65535:
        raise ParameterError(f"--serve takes a TCP port from 0 to 65535, got {args.serve}")
    refuse_existing(args.output, args.overwrite, "segments file")


def _source(args: argparse.Namespace, sample_rate: int):
    if args.source == "-":
        raw = RawFormat(args.raw_rate, args.raw_channels, args.raw_format) if args.raw_rate is not None else None
        return StdinSource(sample_rate=sample_rate, raw=raw)
    if args.source is None:
        return MicrophoneSource(args.device, sample_rate=sample_rate)
    return FfmpegSource(args.source, sample_rate=sample_rate, realtime=args.realtime,
                        reconnect=None if args.reconnect else False, timeout=args.timeout)


class _Stop:
    """Ctrl-C and SIGTERM set a flag the loop checks (between blocks, at least ten times a second)."""

    def __init__(self):
        self.event = threading.Event()
        self.previous: dict = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self.previous[number] = signal.signal(number, lambda *_: self.event.set())
        return self.event

    def __exit__(self, *exc):
        for number, handler in self.previous.items():
            signal.signal(number, handler)


class _Terminal:
    """The change lines on stdout and the rolling status line on stderr."""

    def __init__(self, listener: Listener, *, wall_clock: bool, status: bool):
        self.listener = listener
        self.wall_clock = wall_clock
        self.status = status and sys.stderr.isatty()
        self.started = time.time()
        self.shown = 0.0

    def line(self, event) -> None:
        self._clear()
        when = f"  ({_dt.datetime.fromtimestamp(self.started + event.time).strftime('%H:%M:%S')})" if self.wall_clock else ""
        probability = "" if math.isnan(event.probability) else f"  {event.probability:.2f}"
        print(f"{clock(event.time)}  {event.label:<7}{probability}{when}", flush=True)

    def notice(self, text: str) -> None:
        self._clear()
        print(text, file=sys.stderr, flush=True)

    def refresh(self) -> None:
        if not self.status or time.monotonic() - self.shown < 0.5:
            return
        self.shown = time.monotonic()
        listener = self.listener
        label = listener.label or "..."
        probability = "" if math.isnan(listener.probability) else f" {listener.probability:.2f}"
        since = f" since {clock(listener.open_time)}" if listener.open_time is not None else ""
        shares = ", ".join(f"{name} {clock(seconds)}" for name, seconds in sorted(listener.seconds.items()))
        text = (f"heard {clock(listener.heard)} | {label}{probability}{since} | decided to "
                f"{clock(listener.decided_until)}" + (f" | {shares}" if shares else ""))
        sys.stderr.write("\r\x1b[K" + text[:200])
        sys.stderr.flush()

    def _clear(self) -> None:
        if self.status:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _page_state(listener: Listener) -> dict:
    probability = listener.probability
    return {"heard": round(listener.heard, 2), "label": listener.label,
            "probability": None if math.isnan(probability) else round(probability, 3),
            "since": round(listener.open_time or 0.0, 2),
            "timeline": [[round(a, 2), round(b, 2), label] for a, b, label in listener.timeline()]}


# long: the listening loop keeps together what happens to each item (segmenter, file, terminal,
# page) and the order of the clean-up (close the open segment, write it, stop the source and page).
def run(args: argparse.Namespace) -> int:
    if args.list_devices:
        for device in input_devices():
            mark = " (default)" if device["default"] else ""
            print(f"{device['index']:>3}  {device['name']}  ({device['channels']} ch, {device['rate']:g} Hz){mark}")
        return 0
    _check(args)
    classifier = resolve_classifier(args.model)

    def make_segmenter() -> LiveSegmenter:
        return LiveSegmenter(classifier, window=args.window, hop=args.hop, switch_penalty=args.switch_penalty,
                             min_durations=args.min_durations, latency=args.latency, refine=args.refine,
                             silence_db=args.silence_db)

    listener = Listener(make_segmenter, duration=args.duration)  # checks the options before anything opens
    source = _source(args, classifier.params.sample_rate)
    started = _dt.datetime.now().astimezone()
    segmenter = listener.segmenter

    def fields(segments) -> dict:
        seconds: dict[str, float] = {}
        for segment in segments:
            seconds[segment.label] = seconds.get(segment.label, 0.0) + segment.duration
        return {"source": source.name, "model": classifier.path, "model_info": classifier.identity(),
                "started": started.isoformat(timespec="seconds"), "duration": round(segments[-1].end if segments else 0.0, 3),
                "window": round(segmenter.params.duration, 6), "hop": round(segmenter.hop, 6),
                "switch_penalty": args.switch_penalty, "min_durations": segmenter.min_durations,
                "latency": args.latency, "refined_boundaries": args.refine,
                **{f"{label}_seconds": round(seconds.get(label, 0.0), 3) for label in (*segmentation_labels(classifier.class_names), GAP)}}

    log = SegmentLog(args.output, args.format, overwrite=args.overwrite, fields=fields) if args.output else None
    page = LivePage(args.serve, source=source.name) if args.serve is not None else None
    terminal = _Terminal(listener, wall_clock=source.realtime, status=not args.quiet)
    if not args.quiet:
        print(classifier.headline(), file=sys.stderr)
        print(f"listening to {source.name}" + (f"; live page: {page.url}" if page else ""), file=sys.stderr, flush=True)
    elif page is not None:
        print(f"live page: {page.url}", file=sys.stderr, flush=True)

    def handle(events) -> None:
        for event in events:
            if event.kind == "close":
                if log is not None:
                    log.add(event.segment)
            else:
                terminal.line(event)
        if page is not None and events:
            page.publish(_page_state(listener))

    last_page = 0.0
    try:
        # One BLAS thread: live work comes in small pieces a tenth of a second apart (see one_blas_thread).
        with _Stop() as stop, one_blas_thread():
            for item in source.items():
                if isinstance(item, Lost):
                    terminal.notice(f"warning: {source.name}: {item.reason}; reconnecting")
                handle(listener.take(item))
                terminal.refresh()
                if page is not None and time.monotonic() - last_page > 1.0:
                    last_page = time.monotonic()
                    page.publish(_page_state(listener))
                if stop.is_set() or listener.done:
                    break
    finally:
        source.close()
        handle(listener.finish())
        if log is not None:
            log.close()
        if page is not None:
            page.close()
        terminal._clear()
    if not args.quiet:
        totals = ", ".join(f"{label} {clock(seconds)}" for label, seconds in sorted(listener.seconds.items()))
        written = f"; wrote {args.output}" if args.output else ""
        print(f"{source.name}: {clock(listener.heard)} heard, {counted(listener.segments_closed, 'segment')}"
              + (f" ({totals})" if totals else "") + written, file=sys.stderr)
    return 0
