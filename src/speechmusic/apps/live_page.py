"""The live page of ``listen --serve PORT``: the last hour as a timeline and the label now, on 127.0.0.1.

A small web server from the standard library (:class:`http.server.ThreadingHTTPServer`, one
thread per connection) serves three things:

* ``/``: one self-contained page (no network, no external script) with the label heard now, its
  probability and since when, and a timeline of the last hour coloured as the batch report and
  the figures are (:data:`speechmusic.apps.segments.LABEL_COLOURS`);
* ``/events``: Server-Sent Events: the page's state as JSON each time it changes (a change of
  label at once, the clock about once a second), so the page updates without reloading; a
  browser's ``EventSource`` reconnects by itself if the connection breaks;
* ``/state``: the same state once, as JSON (for scripts and ``curl``).

It listens on 127.0.0.1 only: the page is for the machine that listens (use an SSH tunnel to see
it from elsewhere). Port 0 picks a free port; :attr:`LivePage.url` says which.
"""

from __future__ import annotations

import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from speechmusic.apps.segments import LABEL_COLOURS, label_colour_css

#: Seconds between keep-alive comments on an idle event stream.
KEEP_ALIVE_SECONDS = 15.0

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@TITLE@</title>
<style>
:root { @COLOURS@ }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem; color: #1a1a1a; }
h1 { font-size: 1.2rem; margin: 0 0 .2rem; }
p.source { margin: 0 0 1rem; color: #444; word-break: break-all; }
#now { display: inline-block; padding: .4rem 1rem; border-radius: 6px; background: #eee; color: #fff;
       font-size: 2rem; font-weight: bold; min-width: 8rem; text-align: center; }
#details { margin: .4rem 0 1rem; color: #444; font-variant-numeric: tabular-nums; }
.timeline { position: relative; height: 2.2rem; background: #eee; border-radius: 3px; overflow: hidden; }
.segment { position: absolute; top: 0; bottom: 0; box-shadow: inset -1px 0 0 rgba(255, 255, 255, .6); }
@SEGMENT_RULES@
@NOW_RULES@
.axis { display: flex; justify-content: space-between; color: #666; font-size: .8rem; margin-top: .2rem; }
.legend span { display: inline-block; width: .9rem; height: .9rem; vertical-align: middle; margin: 0 .2rem 0 .8rem; }
#connection { color: #b00020; }
</style>
</head>
<body>
<h1>@TITLE@</h1>
<p class="source">@SOURCE@</p>
<div id="now" data-label="">&hellip;</div>
<div id="details">waiting for the first decision&hellip; <span id="connection"></span></div>
<div class="timeline" id="timeline" aria-label="the last hour"></div>
<div class="axis"><span id="axis-start">-60 min</span><span>-45</span><span>-30</span><span>-15</span><span id="axis-end">now</span></div>
<p class="legend">the last hour:@LEGEND@</p>
<script>
(function () {
  "use strict";
  var WINDOW = @WINDOW@;
  function clock(seconds) {
    seconds = Math.max(0, seconds);
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = Math.floor(seconds % 60);
    return h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function render(state) {
    var now = document.getElementById("now");
    var label = state.label || "";
    now.textContent = label || "\\u2026";
    now.setAttribute("data-label", label);
    now.className = label ? "now-" + label : "";
    var details = "heard " + clock(state.heard);
    if (label) {
      details += " \\u00b7 " + label + " since " + clock(state.since);
      if (state.probability !== null) { details += " \\u00b7 p = " + state.probability.toFixed(2); }
    }
    document.getElementById("details").firstChild.textContent = details + " ";
    var end = Math.max(state.heard, WINDOW), start = end - WINDOW;
    var timeline = document.getElementById("timeline");
    var parts = [];
    state.timeline.forEach(function (s) {
      var a = Math.max(s[0], start), b = Math.min(s[1], end);
      if (b <= a) { return; }
      parts.push('<div class="segment ' + s[2] + '" title="' + s[2] + " " + clock(s[0]) + "\\u2013" + clock(s[1]) +
                 '" style="left:' + (100 * (a - start) / WINDOW).toFixed(4) + "%;width:" +
                 (100 * (b - a) / WINDOW).toFixed(4) + '%"></div>');
    });
    timeline.innerHTML = parts.join("");
    document.getElementById("axis-start").textContent = clock(start);
    document.getElementById("axis-end").textContent = clock(end);
  }
  var events = new EventSource("events");
  events.onmessage = function (message) {
    document.getElementById("connection").textContent = "";
    render(JSON.parse(message.data));
  };
  events.onerror = function () {
    document.getElementById("connection").textContent = "(connection lost; retrying)";
  };
})();
</script>
</body>
</html>
"""


def render_page(*, title: str, source: str, window_seconds: float) -> str:
    """The page's HTML (its script fills it from ``/events``)."""
    variables, segment_rules = label_colour_css()
    _, now_rules = label_colour_css("#now.now-{label}")
    legend = "".join(f'<span style="background:var(--{label})"></span>{html.escape(label)}' for label in LABEL_COLOURS)
    return (_PAGE.replace("@TITLE@", html.escape(title)).replace("@SOURCE@", html.escape(source))
            .replace("@COLOURS@", variables).replace("@SEGMENT_RULES@", segment_rules)
            .replace("@NOW_RULES@", now_rules).replace("@LEGEND@", legend)
            .replace("@WINDOW@", repr(float(window_seconds))))


class LivePage:
    """The server; :meth:`publish` the state, :meth:`close` at the end.

    Parameters
    ----------
    port : int
        TCP port on 127.0.0.1 (0: any free port).
    title, source : str
        What the page says it is.
    window_seconds : float
        How much of the stream the timeline shows.
    """

    def __init__(self, port: int, *, title: str = "speechmusic listen", source: str = "",
                 window_seconds: float = 3600.0):
        self._condition = threading.Condition()
        self._state = json.dumps({"heard": 0.0, "label": None, "probability": None, "since": 0.0, "timeline": []})
        self._version = 0
        self._closing = False
        page = render_page(title=title, source=source, window_seconds=window_seconds).encode("utf-8")
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # no access log on the terminal
                pass

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                if path in ("/", "/index.html"):
                    self._send(200, "text/html; charset=utf-8", page)
                elif path == "/state":
                    self._send(200, "application/json", owner.state().encode("utf-8"))
                elif path == "/events":
                    self._events()
                else:
                    self._send(404, "text/plain; charset=utf-8", b"not found\n")

            def _send(self, status, kind, body):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def _events(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                seen = -1
                try:
                    while True:
                        with owner._condition:
                            if owner._version == seen and not owner._closing:
                                owner._condition.wait(KEEP_ALIVE_SECONDS)
                            if owner._closing:
                                return
                            version, state = owner._version, owner._state
                        if version == seen:
                            self.wfile.write(b": keep-alive\n\n")
                        else:
                            self.wfile.write(f"data: {state}\n\n".encode())
                            seen = version
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError, OSError):
                    return

        self._server = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        daemon=True, name="live-page")
        self._thread.start()

    def state(self) -> str:
        with self._condition:
            return self._state

    def publish(self, state: dict) -> None:
        """Send ``state`` (``heard``, ``label``, ``probability``, ``since``, ``timeline``) to every open page."""
        text = json.dumps(state, allow_nan=False)
        with self._condition:
            if text == self._state:
                return
            self._state = text
            self._version += 1
            self._condition.notify_all()

    def close(self) -> None:
        with self._condition:
            self._closing = True
            self._condition.notify_all()
        self._server.shutdown()
        self._server.server_close()
