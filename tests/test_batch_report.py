"""The batch report ``DIR/index.html`` in a real headless browser (Chromium driven by Playwright).

The browser is Debian's ``chromium-headless-shell`` (``.ci/run`` installs it), or any Chromium
named by ``$SPEECHMUSIC_CHROMIUM``; without one (or without the playwright package) the browser
test is skipped. The page is opened from the file system, as a user opens it.
"""

from __future__ import annotations

import os
import shutil

import pytest
from batch_helpers import make_programmes, tiny_model
from model_helpers import write_recording

from speechmusic.apps.batch import read_summary, segment_batch
from speechmusic.apps.batch_report import audio_link, render_report

#: Where Chromium builds that Playwright can drive live on Debian-like systems.
CHROMIUM_CANDIDATES = ("chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell", "chromium",
                       "chromium-browser", "/usr/lib/chromium/chromium")


def find_chromium() -> str | None:
    named = os.environ.get("SPEECHMUSIC_CHROMIUM")
    for candidate in ((named,) if named else ()) + CHROMIUM_CANDIDATES:
        found = shutil.which(candidate) or (candidate if os.path.isabs(candidate) and os.access(candidate, os.X_OK) else None)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A finished batch: four programmes, one with spaces, an ampersand and an accent in its name, a corrupt file."""
    root = tmp_path_factory.mktemp("archive")
    make_programmes(root, 4, seed=7)
    write_recording(root / "c" / "talk & show é.wav", [("music", 6.0), ("speech", 7.0)], seed=9)
    model = tiny_model(tmp_path_factory.mktemp("model"))
    out = tmp_path_factory.mktemp("report") / "out"
    outcome = segment_batch([root], out, model=model)
    return root, out, outcome


def test_the_page_is_self_contained_and_lists_failures_first(batch):
    root, out, outcome = batch
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "<link" not in text  # no CDN, no network
    assert text.index("broken.wav") < text.index("programme-000.wav")
    assert "talk &amp; show é.wav" in text
    # out is <base>/report0/out and the recordings are under <base>/archive0
    assert audio_link(root / "c" / "talk & show é.wav", out) == f"../../{root.name}/c/talk%20%26%20show%20%C3%A9.wav"
    # The same inputs give the same page: it depends on the rows and the segments only.
    assert render_report(out, outcome.recordings, outcome.rows, outcome.segments,
                         title=f"speechmusic segment: {out}", model="model.npz") == text


def test_the_report_in_a_headless_browser(batch):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium-headless-shell)")
    root, out, outcome = batch
    rows = read_summary(out / "summary.csv")
    problems = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)  # a broken page fails the test instead of hanging it
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("requestfailed", lambda request: problems.append(f"failed to load {request.url}"))
            page.goto((out / "index.html").as_uri())

            listed = page.locator("tbody.recording td.file").all_inner_texts()
            assert sorted(listed) == sorted(r["file"] for r in rows) and len(listed) == 6
            assert listed[0].endswith("broken.wav")  # failures first
            assert "cannot decode" in page.locator("tbody.status-failed .error").inner_text()

            def shares(key):
                return [page.locator("tbody.recording").nth(i).get_attribute(f"data-{key}") for i in range(6)]

            page.locator('th[data-sort="speech"] button').click()
            order = shares("speech")
            assert order[0] == "" and [float(s) for s in order[1:]] == sorted((float(s) for s in order[1:]), reverse=True)
            assert page.locator('th[data-sort="speech"]').get_attribute("aria-sort") == "descending"
            page.locator('th[data-sort="music"] button').click()
            page.locator('th[data-sort="music"] button').click()
            order = shares("music")
            assert order[0] == "" and [float(s) for s in order[1:]] == sorted(float(s) for s in order[1:])

            # Click the second segment of the recording with the awkward name: its player seeks there.
            group = page.locator("tbody.recording", has_text="talk & show")
            segment = group.locator(".segment").nth(1)
            start = float(segment.get_attribute("data-start"))
            assert 4.0 < start < 8.0
            segment.click()
            audio = group.locator("audio")
            # Playing loads the linked file: its metadata arrive when the relative link works.
            page.wait_for_function("a => a.readyState >= 1", arg=audio.element_handle(), timeout=15_000)
            position = audio.evaluate("a => a.currentTime")
            assert start - 0.01 <= position <= start + 1.5  # at the segment's start (playing on from there)
            assert audio.evaluate("a => a.duration") == pytest.approx(13.0, abs=0.05)  # the linked file was loaded
            assert "current" in segment.get_attribute("class")
            other = page.locator("tbody.recording", has_text="programme-002").locator(".segment").first
            other.click()
            assert page.locator("tbody.recording", has_text="programme-002").locator("audio").evaluate(
                "a => a.currentTime") == pytest.approx(float(other.get_attribute("data-start")), abs=1.5)
        finally:
            browser.close()
    assert problems == []
