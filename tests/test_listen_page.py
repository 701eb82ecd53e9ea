"""The live page of ``listen --serve`` in a real headless browser: it follows the stream without reloading.

The browser is the one the batch report's test uses (Debian's ``chromium-headless-shell``, installed
by ``.ci/run``, driven by Playwright); without it the browser test skips. The audio comes on
standard input, written by the test, so the test decides when the label changes.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest
from conftest import SR
from listen_helpers import Listen, pcm16
from model_helpers import alternating_recording, save_model
from test_batch_report import find_chromium

from speechmusic.apps.live_page import LivePage, render_page
from speechmusic.apps.segments import LABEL_COLOURS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from conftest import make_dataset

    root = tmp_path_factory.mktemp("page-model")
    return save_model(make_dataset(root / "data"), root / "tiny.npz")


def test_the_page_is_self_contained_and_uses_the_label_colours():
    text = render_page(title="t", source="<radio & co>", window_seconds=3600)
    assert "http://" not in text and "https://" not in text and "<link" not in text and "src=" not in text
    assert "&lt;radio &amp; co&gt;" in text
    for label, colour in LABEL_COLOURS.items():
        assert f"--{label}: {colour};" in text and f".segment.{label}" in text


def test_the_server_sends_each_new_state_as_an_event():
    page = LivePage(0)
    try:
        assert page.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(page.url + "events", timeout=5) as events:
            assert events.headers["Content-Type"] == "text/event-stream"
            first = json.loads(events.readline().decode().removeprefix("data: "))
            assert first["label"] is None
            events.readline()
            page.publish({"heard": 12.0, "label": "music", "probability": 0.9, "since": 8.0,
                          "timeline": [[0.0, 8.0, "speech"]]})
            second = json.loads(events.readline().decode().removeprefix("data: "))
            assert second["label"] == "music" and second["timeline"] == [[0.0, 8.0, "speech"]]
        with urllib.request.urlopen(page.url + "state", timeout=5) as state:
            assert json.loads(state.read())["heard"] == 12.0
    finally:
        page.close()


def test_the_page_updates_within_2_s_of_a_change(model):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium-headless-shell)")
    y, _ = alternating_recording([("music", 10.0), ("speech", 10.0)], seed=6)
    listen = Listen("-", "--raw-rate", SR, "--model", model, "--serve", "0", "--latency", "1")
    problems = []
    try:
        deadline = time.monotonic() + 30
        while not re.search(r"http://127\.0\.0\.1:\d+/", listen.stderr()):
            assert time.monotonic() < deadline and listen.process.poll() is None, listen.stderr()
            time.sleep(0.05)
        url = re.search(r"http://127\.0\.0\.1:\d+/", listen.stderr()).group(0)
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium)
            try:
                page = browser.new_page()
                page.set_default_timeout(15_000)
                page.on("pageerror", lambda error: problems.append(str(error)))
                page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
                page.goto(url)
                listen.feed(pcm16(y[: int(8 * SR)]))  # music
                listen.wait_for_lines(1)
                page.wait_for_function("document.getElementById('now').dataset.label === 'music'", timeout=2_000)
                assert page.locator("#timeline .segment.music").count() == 1
                colour = page.locator("#now").evaluate("e => getComputedStyle(e).backgroundColor")
                assert colour == "rgb(255, 127, 14)"  # LABEL_COLOURS["music"]
                listen.feed(pcm16(y[int(8 * SR) : int(16 * SR)]))  # the speech starts at 10 s
                listen.wait_for_lines(2)
                changed = time.monotonic()
                page.wait_for_function("document.getElementById('now').dataset.label === 'speech'", timeout=2_000)
                assert time.monotonic() - changed <= 2.0
                assert page.locator("#timeline .segment.music").count() == 1
                assert page.locator("#timeline .segment.speech").count() == 1
                assert "speech since 0:00:" in page.locator("#details").inner_text()
                page.wait_for_function("document.getElementById('details').textContent.includes('heard 0:00:1')")
            finally:
                browser.close()
    finally:
        listen.close(timeout=60)
    assert problems == []
