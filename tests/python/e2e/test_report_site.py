"""The board report site (Evidence, in reports/) as a browser shows it, against the marts.

The site is built from the CI warehouse into a temporary copy of the Evidence project (its
node_modules linked from reports/, installed by `make site`), served on loopback with Python's
static file server, and opened in Debian's headless Chromium (`make browser`). The figures the
scorecard shows for the latest month are compared with sums over the marts computed here, and the
link from a figure to its registry definition is followed. Screenshots go to artifacts/browser/.
Nothing is fetched from the network: the build uses the installed packages only.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from service_outcomes.site import export_site_data

from ..browser import BrowserTools, HeadlessPage, find_browser_tools
from .warehouse import PROJECT_ROOT, BuiltWarehouse

pytestmark = pytest.mark.e2e

REPORTS = PROJECT_ROOT / "reports"
ARTIFACTS = PROJECT_ROOT / "artifacts" / "browser"
FAILURE_SHOT = ARTIFACTS / "report-site-last-failure.png"
# What the Evidence build reads, copied so the test never touches reports/.evidence or build/.
PROJECT_PARTS = (
    "package.json",
    "evidence.config.yaml",
    "evidence.settings.json",
    "pages",
    "sources",
)
NPM_TIMEOUT_SECONDS = 900
PAGE_TIMEOUT_SECONDS = 60.0

# Latest month with a judged figure, from the daily customer mart, as the scorecard should show it.
CUSTOMER_LATEST_SQL = """
with monthly as (
    select
        strftime(date_trunc('month', outcome_date), '%Y-%m') as month_label,
        sum(fcr_numerator) as fcr_numerator,
        sum(fcr_denominator) as fcr_denominator,
        sum(repeat_numerator) as repeat_numerator,
        sum(repeat_denominator) as repeat_denominator
    from marts_customer.fct_customer_outcomes_daily
    group by all
)
select
    arg_max(month_label, month_label) filter (where fcr_denominator > 0) as fcr_month,
    arg_max(fcr_numerator / fcr_denominator, month_label) filter (where fcr_denominator > 0),
    arg_max(month_label, month_label) filter (where repeat_denominator > 0) as repeat_month,
    arg_max(repeat_numerator / repeat_denominator, month_label)
        filter (where repeat_denominator > 0)
from monthly
"""


@dataclass(frozen=True)
class ExpectedFigure:
    month_label: str
    shown: str


def _fail_or_skip(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser_tools() -> BrowserTools:
    tools = find_browser_tools()
    if tools is None:
        _fail_or_skip("Debian's chromium and chromium-driver are not installed; run `make browser`")
    assert tools is not None
    return tools


def _npm(project: Path, *args: str) -> None:
    environment = {**os.environ, "NO_UPDATE_CHECK": "1", "DO_NOT_TRACK": "1"}
    completed = subprocess.run(
        ["npm", "run", *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise AssertionError(
            f"npm run {' '.join(args)} failed ({completed.returncode}):\n"
            f"{completed.stdout[-6000:]}\n{completed.stderr[-3000:]}"
        )


@pytest.fixture(scope="module")
def site_build(built_warehouse: BuiltWarehouse) -> Path:
    """The static site built from the CI warehouse in a temporary copy of reports/."""
    if shutil.which("npm") is None:
        _fail_or_skip("Node.js and npm are not installed; run `make site` once")
    if not (REPORTS / "node_modules" / "@evidence-dev" / "evidence").is_dir():
        _fail_or_skip("reports/node_modules is missing; run `make site` once (npm ci)")
    project = built_warehouse.root / "reports"
    project.mkdir()
    for part in PROJECT_PARTS:
        source = REPORTS / part
        if source.is_dir():
            shutil.copytree(source, project / part)
        else:
            shutil.copy2(source, project / part)
    (project / "node_modules").symlink_to(REPORTS / "node_modules", target_is_directory=True)
    export_site_data(built_warehouse.database, project / "data" / "site.duckdb")
    _npm(project, "sources")
    _npm(project, "build")
    build = project / "build"
    assert (build / "index.html").is_file(), "the Evidence build wrote no index.html"
    return build


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(site_build: Path) -> Iterator[str]:
    """The built site served on loopback for the duration of the module."""
    handler = functools.partial(_QuietHandler, directory=str(site_build))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def page(browser_tools: BrowserTools) -> Iterator[HeadlessPage]:
    with HeadlessPage(browser_tools, timeout_seconds=PAGE_TIMEOUT_SECONDS) as headless_page:
        yield headless_page


@pytest.fixture(scope="module")
def expected(built_warehouse: BuiltWarehouse) -> dict[str, ExpectedFigure]:
    """FCR and repeat contact rate for their latest month, summed from the daily customer mart."""
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        row = connection.execute(CUSTOMER_LATEST_SQL).fetchone()
    assert row is not None and row[0] is not None and row[2] is not None
    return {
        "first_contact_resolution": ExpectedFigure(row[0], f"{row[1] * 100:.1f}%"),
        "repeat_contact_rate": ExpectedFigure(row[2], f"{row[3] * 100:.1f}%"),
    }


def _catalogue_entry(database: Path, metric_id: str) -> tuple[str, str]:
    """The registry's active definition text and owner of a metric."""
    with duckdb.connect(str(database), read_only=True) as connection:
        row = connection.execute(
            "select definition, owner from marts_governance.dim_metric_catalogue"
            " where metric_id = ?",
            [metric_id],
        ).fetchone()
    assert row is not None and row[0], f"{metric_id} has no definition in the catalogue"
    return str(row[0]), str(row[1])


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _scorecard_cell(metric_id: str, cell: str) -> str:
    return f"document.querySelector('tr[data-metric-id=\"{metric_id}\"] {cell}')"


def test_scorecard_shows_the_marts_latest_month(
    page: HeadlessPage, site_url: str, expected: dict[str, ExpectedFigure]
) -> None:
    page.open(f"{site_url}/")
    for metric_id in expected:
        page.wait_until(
            f"{_scorecard_cell(metric_id, 'td.figure')}?.innerText.trim()",
            description=f"the scorecard row of {metric_id}",
            screenshot_on_failure=FAILURE_SHOT,
        )
    page.wait_until(
        "document.querySelectorAll('[_echarts_instance_]').length > 0",
        description="the trend charts",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.screenshot(ARTIFACTS / "report-site-index.png")
    # the site scrolls smoothly; jump instead, so the screenshot shows the charts
    page.evaluate("document.getElementById('trends')?.scrollIntoView({behavior: 'instant'});")
    page.screenshot(ARTIFACTS / "report-site-trends.png")
    for metric_id, figure in expected.items():
        shown = page.evaluate(f"return {_scorecard_cell(metric_id, 'td.figure')}.innerText.trim();")
        month = page.evaluate(
            'return document.querySelector(`tr[data-metric-id="${arguments[0]}"]`).dataset.month;',
            metric_id,
        )
        assert (month, shown) == (figure.month_label, figure.shown), metric_id


def test_figure_links_to_its_registry_definition(
    page: HeadlessPage, site_url: str, built_warehouse: BuiltWarehouse
) -> None:
    metric_id = "first_contact_resolution"
    definition, owner = _catalogue_entry(built_warehouse.database, metric_id)
    page.open(f"{site_url}/")
    link = f"tr[data-metric-id='{metric_id}'] a.definition-link"
    page.wait_until(
        f'document.querySelector("{link}")',
        description="the link from the FCR figure",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.click(link)
    shown = page.wait_until(
        "location.pathname.replace(/\\/$/, '') === '/definitions'"
        f" && location.hash === '#{metric_id}'"
        f" && document.querySelector('section#{metric_id} .definition-text')?.innerText",
        description="the FCR definition on the definitions page",
        screenshot_on_failure=FAILURE_SHOT,
    )
    # the page scrolls to the definition the figure links to (once the definitions have loaded)
    page.wait_until(
        "(r => r.top >= 0 && r.top < window.innerHeight)"
        f"(document.querySelector('section#{metric_id}').getBoundingClientRect())",
        description="the FCR definition scrolled into view",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.screenshot(ARTIFACTS / "report-site-definition.png")
    assert _squash(str(shown)) == _squash(definition)
    assert page.text(f"section#{metric_id} .owner").strip() == owner


def test_customer_lens_page_shows_the_same_months(
    page: HeadlessPage, site_url: str, expected: dict[str, ExpectedFigure]
) -> None:
    page.open(f"{site_url}/customer/")
    for metric_id, figure in expected.items():
        row = (
            f'document.querySelector(\'table.monthly[data-metric-id="{metric_id}"]'
            f' tr[data-month="{figure.month_label}"] td.figure\')'
        )
        shown = page.wait_until(
            f"{row}?.innerText.trim()",
            description=f"the {figure.month_label} row of {metric_id} on the customer lens page",
            screenshot_on_failure=FAILURE_SHOT,
        )
        assert shown == figure.shown, metric_id
    page.wait_until(
        "document.querySelectorAll('[_echarts_instance_]').length > 0",
        description="the customer trend charts",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.screenshot(ARTIFACTS / "report-site-customer.png")
