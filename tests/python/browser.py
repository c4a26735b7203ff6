"""Open a page in Debian's headless Chromium, wait for it to render, read it, keep a screenshot.

One job, shared by every browser test (the dbt docs page here, the Evidence report site later).
The browser and its WebDriver are the Debian packages `chromium` and `chromium-driver`, installed
by `make browser`; Selenium is given the driver's path, so Selenium Manager never runs and nothing
is downloaded while the tests run.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from selenium import webdriver
from selenium.common.exceptions import JavascriptException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

# Selenium Manager must never fetch a driver or a browser; the explicit driver path already skips
# it, and this keeps it offline should any code path reach it.
os.environ.setdefault("SE_OFFLINE", "true")

DEFAULT_WINDOW = (1600, 1000)


@dataclass(frozen=True)
class BrowserTools:
    """Paths of the browser and the WebDriver that controls it."""

    chromium: Path
    chromedriver: Path


def find_browser_tools() -> BrowserTools | None:
    """Debian's chromium and chromedriver on PATH, or None when either is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        return None
    return BrowserTools(chromium=Path(chromium), chromedriver=Path(chromedriver))


class PageNotRendered(AssertionError):
    """The page did not reach the awaited state in time (a screenshot of what it showed is kept)."""


class HeadlessPage:
    """One headless Chromium window. Use as a context manager; the browser quits on exit."""

    def __init__(
        self,
        tools: BrowserTools,
        *,
        window: tuple[int, int] = DEFAULT_WINDOW,
        timeout_seconds: float = 30.0,
    ) -> None:
        options = webdriver.ChromeOptions()
        options.binary_location = str(tools.chromium)
        for argument in (
            "--headless=new",
            "--no-sandbox",  # CI runs the tests as root, where Chromium's sandbox cannot start
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",  # no update, sync or safe-browsing traffic
            "--disable-component-update",
            "--hide-scrollbars",
            f"--window-size={window[0]},{window[1]}",
        ):
            options.add_argument(argument)
        self.timeout_seconds = timeout_seconds
        self._driver: WebDriver = webdriver.Chrome(
            service=Service(executable_path=str(tools.chromedriver)), options=options
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._driver.quit()

    def open(self, target: str | Path) -> None:
        """Load a URL, or a local file given as a path (optionally with a `#fragment` route)."""
        if isinstance(target, Path):
            target = target.resolve().as_uri()
        self._driver.get(target)

    def evaluate(self, script: str, *arguments: Any) -> Any:
        """Run JavaScript in the page (`return ...` gives a value back)."""
        return self._driver.execute_script(script, *arguments)

    def wait_until(
        self,
        condition: str,
        *,
        description: str,
        timeout_seconds: float | None = None,
        screenshot_on_failure: Path | None = None,
    ) -> Any:
        """Wait until a JavaScript expression is truthy and return its value.

        A script error counts as not yet (the page's own scripts may still be loading). On time-out
        raise PageNotRendered naming what was awaited, after saving a screenshot of what the page
        showed instead when `screenshot_on_failure` is given.
        """
        script = f"return ({condition});"
        try:
            return WebDriverWait(
                self._driver,
                timeout_seconds or self.timeout_seconds,
                poll_frequency=0.2,
                ignored_exceptions=(JavascriptException,),
            ).until(lambda driver: driver.execute_script(script))
        except TimeoutException as error:
            shown = ""
            if screenshot_on_failure is not None:
                shown = f"; the page as shown: {self.screenshot(screenshot_on_failure)}"
            raise PageNotRendered(f"timed out waiting for {description}{shown}") from error

    def click(self, selector: str, *, text: str | None = None) -> None:
        """Click, as a user would, the first visible element matching a CSS selector (and showing
        exactly `text`, when given)."""
        for element in self._driver.find_elements(By.CSS_SELECTOR, selector):
            if element.is_displayed() and (text is None or element.text.strip() == text):
                element.click()
                return
        shown = f" showing {text!r}" if text is not None else ""
        raise PageNotRendered(f"no visible element {selector}{shown} to click")

    def text(self, selector: str = "body") -> str:
        """The visible text of every element matching a CSS selector, in document order."""
        texts: list[str] = self.evaluate(
            "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText);",
            selector,
        )
        return "\n".join(texts)

    def screenshot(self, path: Path) -> Path:
        """Save a PNG of the window; return its path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self._driver.save_screenshot(str(path)):
            raise OSError(f"Chromium could not write the screenshot {path}")
        return path
