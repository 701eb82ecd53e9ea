"""The browsable report of a batch run: ``DIR/index.html``, one self-contained static page.

No server, no network: the styles and the script are inside the page, and each recording's audio
is linked by its path relative to DIR, so the page works from a file browser, a USB stick or any
static web server that serves DIR and the recordings with the same relative layout.

The page (:func:`render_report`) has a table of the recordings (status, duration, the share of
each label, segments, the worker that did it; a failed recording's reason), failures first,
sortable by each label's share (a failure stays on top whatever the order), and for each
recording a timeline of its segments above an audio player: clicking a segment plays the
recording from that segment's start. The table is plain HTML written here, so it reads without
the script too; the script only sorts and seeks.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from speechmusic.apps.segments import label_colour_css
from speechmusic.core.fileio import write_text
from speechmusic.core.labels import LABEL_NAMES

# The label colours come from segments.LABEL_COLOURS (the figure and the live page use them too).
_STYLE_TEMPLATE = """
:root { @COLOURS@ --failed: #b00020; --line: #d0d0d0; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem; color: #1a1a1a; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
p.totals { margin: 0 0 1rem; color: #444; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .5rem; vertical-align: top; }
thead th { border-bottom: 2px solid #888; position: sticky; top: 0; background: #fff; }
tbody.recording { border-bottom: 1px solid var(--line); }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
td.file { word-break: break-all; }
th button { font: inherit; font-weight: bold; border: 0; background: none; cursor: pointer; padding: 0; }
th button::after { content: " \\2195"; color: #999; }
th[aria-sort="ascending"] button::after { content: " \\2191"; color: #000; }
th[aria-sort="descending"] button::after { content: " \\2193"; color: #000; }
.status-failed td.status, .error { color: var(--failed); font-weight: bold; }
.timeline { position: relative; height: 1.4rem; background: #eee; border-radius: 3px; overflow: hidden; }
.segment { position: absolute; top: 0; bottom: 0; border: 0; padding: 0; margin: 0; cursor: pointer;
           box-shadow: inset -1px 0 0 rgba(255, 255, 255, .6); }
@SEGMENT_RULES@
.segment:hover, .segment:focus { filter: brightness(1.25); outline: 2px solid #000; outline-offset: -2px; }
.segment.current { outline: 2px solid #000; outline-offset: -2px; }
audio { width: 100%; height: 2rem; margin-top: .25rem; }
.legend span { display: inline-block; width: .9rem; height: .9rem; vertical-align: middle; margin: 0 .2rem 0 .8rem; }
"""

_COLOUR_VARIABLES, _COLOUR_RULES = label_colour_css()
_STYLE = _STYLE_TEMPLATE.replace("@COLOURS@", _COLOUR_VARIABLES).replace("@SEGMENT_RULES@", _COLOUR_RULES)

# Sorting keeps failures on top; ties keep the input order. Clicking a segment seeks its player
# and plays (a click is a user gesture, so browsers allow playback; a refusal is ignored).
_SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("recordings");
  var groups = Array.prototype.slice.call(table.querySelectorAll("tbody.recording"));
  function value(group, key) {
    var text = group.getAttribute("data-" + key);
    return text === "" || text === null ? -1 : parseFloat(text);
  }
  function sortBy(key, descending) {
    var sorted = groups.slice().sort(function (a, b) {
      var failedA = a.getAttribute("data-status") === "failed", failedB = b.getAttribute("data-status") === "failed";
      if (failedA !== failedB) { return failedA ? -1 : 1; }
      var difference = value(a, key) - value(b, key);
      if (difference !== 0) { return descending ? -difference : difference; }
      return value(a, "order") - value(b, "order");
    });
    sorted.forEach(function (group) { table.appendChild(group); });
  }
  Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (header) {
    header.querySelector("button").addEventListener("click", function () {
      var descending = header.getAttribute("aria-sort") !== "descending";
      Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (other) {
        other.removeAttribute("aria-sort");
      });
      header.setAttribute("aria-sort", descending ? "descending" : "ascending");
      sortBy(header.getAttribute("data-sort"), descending);
    });
  });
  table.addEventListener("click", function (event) {
    var segment = event.target.closest(".segment");
    if (!segment) { return; }
    var group = segment.closest("tbody.recording");
    var audio = group.querySelector("audio");
    if (!audio) { return; }
    Array.prototype.forEach.call(group.querySelectorAll(".segment.current"), function (other) {
      other.classList.remove("current");
    });
    segment.classList.add("current");
    audio.currentTime = parseFloat(segment.getAttribute("data-start"));
    var playing = audio.play();
    if (playing && typeof playing.catch === "function") { playing.catch(function () {}); }
  });
})();
"""


def audio_link(recording_path: str | os.PathLike, out_dir: str | os.PathLike) -> str:
    """URL of a recording relative to the report's folder (percent-encoded; absolute file URL if none exists).

    Examples
    --------
    >>> audio_link("archive/2021/talk show.mp3", "out")
    '../archive/2021/talk%20show.mp3'
    """
    target, base = os.path.abspath(recording_path), os.path.abspath(out_dir)
    try:
        relative = os.path.relpath(target, base)
    except ValueError:  # another drive (Windows): no relative path exists
        return Path(target).as_uri()
    return quote(Path(relative).as_posix(), safe="/")


def _share(part: str, whole: str) -> str:
    try:
        return f"{float(part) / float(whole):.4f}" if float(whole) > 0 else ""
    except ValueError:
        return ""


def _percent(share: str) -> str:
    return f"{float(share) * 100:.0f} %" if share else ""


def _duration(seconds: str) -> str:
    if not seconds:
        return ""
    value = float(seconds)
    hours, rest = divmod(value, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours)}:{int(minutes):02d}:{secs:04.1f}" if hours else f"{int(minutes)}:{secs:04.1f}"


def _timeline(segments: Sequence, duration: float) -> str:
    buttons = []
    for start, end, label in segments:
        left, width = 100 * start / duration, 100 * (end - start) / duration
        what = f"{label} {start:.1f}\u2013{end:.1f} s"
        buttons.append(
            f'<button type="button" class="segment {html.escape(label)}" data-start="{start:.3f}" '
            f'style="left:{left:.4f}%;width:{width:.4f}%" title="{html.escape(what)}" '
            f'aria-label="play {html.escape(what)}"></button>'
        )
    return f'<div class="timeline">{"".join(buttons)}</div>'


def render_report(out_dir: str | os.PathLike, recordings: Sequence, rows: Sequence[dict], segments: Sequence[Sequence],
                  *, title: str = "speechmusic segment", model: str = "") -> str:
    """The HTML text of the report.

    Parameters
    ----------
    out_dir : path-like
        Where the page will be (audio links are relative to it).
    recordings : sequence of :class:`speechmusic.apps.batch.Recording`
        In input order.
    rows : sequence of dict
        Their summary rows (:data:`speechmusic.apps.batch.SUMMARY_COLUMNS`).
    segments : sequence of sequences
        ``[start, end, label]`` per segment, per recording.
    title, model : str
        Page heading and the model's name for the line of totals.

    Returns
    -------
    str
    """
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["status"] != "failed", i))  # failures first
    counts = {s: sum(r["status"] == s for r in rows) for s in ("ok", "skipped", "failed")}
    hours = sum(float(r["duration_s"] or 0) for r in rows) / 3600
    groups = []
    for i in order:
        row, recording = rows[i], recordings[i]
        shares = {label: _share(row.get(f"{label}_s", ""), row["duration_s"]) for label in LABEL_NAMES}
        status = row["status"]
        cells = [
            f'<td class="file">{html.escape(row["file"])}</td>',
            f'<td class="status">{html.escape(status)}</td>',
            f'<td class="number">{_duration(row["duration_s"])}</td>',
            *(f'<td class="number {label}-share">{_percent(share)}</td>' for label, share in shares.items()),
            f'<td class="number">{html.escape(row["segments"])}</td>',
            f'<td class="worker">{html.escape(row["worker"])}</td>',
        ]
        if status == "failed":
            detail = f'<div class="error">{html.escape(row["error"])}</div>'
        else:
            link = html.escape(audio_link(recording.path, out_dir))
            detail = (_timeline(segments[i], float(row["duration_s"]) or 1.0)
                      + f'<audio controls preload="none" src="{link}"></audio>')
        groups.append(
            f'<tbody class="recording status-{html.escape(status)}" data-order="{i}" data-status="{html.escape(status)}" '
            + " ".join(f'data-{label}="{share}"' for label, share in shares.items()) + '>\n'
            f'<tr>{"".join(cells)}</tr>\n<tr><td colspan="{len(cells)}">{detail}</td></tr>\n</tbody>'
        )
    totals = (f"{len(rows)} recordings: {counts['ok']} segmented, {counts['skipped']} unchanged since an earlier run, "
              f"{counts['failed']} failed; {hours:.2f} hours of audio" + (f"; model {model}" if model else ""))
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="totals">{html.escape(totals)}</p>',
        '<p class="legend">Click a segment to play the recording from there.'
        + "".join(f'<span style="background:var(--{label})"></span>{label}' for label in LABEL_NAMES) + "</p>",
        '<table id="recordings">',
        "<thead><tr><th>file</th><th>status</th><th>duration</th>"
        + "".join(f'<th data-sort="{label}"><button type="button">{label}</button></th>' for label in LABEL_NAMES)
        + "<th>segments</th><th>worker</th></tr></thead>",
        *groups,
        "</table>",
        f"<script>{_SCRIPT}</script>",
        "</body>",
        "</html>",
        "",
    ])


def write_report(out_dir: str | os.PathLike, recordings: Sequence, rows: Sequence[dict], segments: Sequence[Sequence],
                 **options) -> Path:
    """Write :func:`render_report` to ``out_dir/index.html`` atomically (replacing the previous one)."""
    return write_text(Path(out_dir) / "index.html", render_report(out_dir, recordings, rows, segments, **options),
                      overwrite=True)
