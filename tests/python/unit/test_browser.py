"""The headless browser helper waits for a page's own scripts, reads what they render, keeps
screenshots, and fails with a screenshot when the awaited state never comes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..browser import HeadlessPage, PageNotRendered, find_browser_tools

# The text appears only once the page's script has run, after a delay.
PAGE = """<!doctype html><html><body><main id="out">loading</main>
<script>setTimeout(function () {
  document.getElementById('out').innerText = 'rendered by script';
}, 300);</script></body></html>"""


@pytest.fixture
def page() -> Iterator[HeadlessPage]:
    tools = find_browser_tools()
    if tools is None:
        message = "Debian's chromium and chromium-driver are not installed; run `make browser`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with HeadlessPage(tools, timeout_seconds=5) as headless_page:
        yield headless_page


def test_waits_for_script_rendered_content_and_keeps_a_screenshot(
    page: HeadlessPage, tmp_path: Path
) -> None:
    html = tmp_path / "page.html"
    html.write_text(PAGE, encoding="utf-8")
    page.open(html)
    assert page.text("#out") == "loading"
    page.wait_until(
        "document.getElementById('out').innerText === 'rendered by script'",
        description="the script's text",
    )
    assert page.text("#out") == "rendered by script"
    screenshot = page.screenshot(tmp_path / "shots" / "page.png")
    assert screenshot.read_bytes().startswith(b"\x89PNG")


def test_a_state_that_never_comes_fails_with_what_the_page_showed(
    page: HeadlessPage, tmp_path: Path
) -> None:
    html = tmp_path / "page.html"
    html.write_text(PAGE, encoding="utf-8")
    page.open(html)
    shown = tmp_path / "failure.png"
    with pytest.raises(PageNotRendered, match="a heading that is never written"):
        page.wait_until(
            "document.querySelector('h1') !== null",
            description="a heading that is never written",
            timeout_seconds=1,
            screenshot_on_failure=shown,
        )
    assert shown.read_bytes().startswith(b"\x89PNG")


def test_click_needs_a_visible_element_with_the_text(page: HeadlessPage, tmp_path: Path) -> None:
    html = tmp_path / "page.html"
    html.write_text(
        "<button onclick=\"this.innerText='pressed'\">press</button>"
        "<button style='display:none'>hidden</button>",
        encoding="utf-8",
    )
    page.open(html)
    page.click("button", text="press")
    assert page.text("button").startswith("pressed")
    with pytest.raises(PageNotRendered, match="hidden"):
        page.click("button", text="hidden")
