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


def _click_in_view(page: HeadlessPage, selector: str) -> None:
    """Scroll the element to the middle of the window, then click it: the scorecard's tables
    reach below the fold, where the page's sticky header or a chart still being drawn can be in
    the way of a click at the element's position."""
    page.evaluate(
        "document.querySelector(arguments[0])"
        ".scrollIntoView({block: 'center', behavior: 'instant'});",
        selector,
    )
    page.wait_until(
        "(r => r.top >= 0 && r.bottom <= window.innerHeight)"
        f"(document.querySelector({selector!r}).getBoundingClientRect())",
        description=f"{selector} in view",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.click(selector)


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
    _click_in_view(page, link)
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


# --- the board pages (issue 8): scorecard against target, OKRs, logic model, gaming watch ---

BOARD_SQL = """
select metric_id, strftime(latest_month, '%Y-%m'), latest_value, unit, rag_status, target_value
from marts_governance.fct_board_scorecard
"""


def _shown(metric_id: str, unit: str, value: float) -> str:
    """A board figure as the scorecard page formats it."""
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if metric_id == "resolution_time":
        return f"{value:.1f} h"
    if unit.startswith("GBP"):
        return f"£{value:.2f}"
    return f"{value:.2f}"


def _board_row(metric_id: str, cell: str) -> str:
    return f"document.querySelector('tr[data-board-metric=\"{metric_id}\"] {cell}')"


def test_board_scorecard_shows_rag_and_target_from_the_marts(
    page: HeadlessPage, site_url: str, built_warehouse: BuiltWarehouse
) -> None:
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        board = connection.execute(BOARD_SQL).fetchall()
    assert len(board) >= 10, "the scorecard carries every metric with a target"
    page.open(f"{site_url}/")
    page.wait_until(
        f"document.querySelectorAll('tr[data-board-metric]').length === {len(board)}",
        description="every row of the board scorecard against target",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.evaluate("document.querySelector('table.rag').scrollIntoView({behavior: 'instant'});")
    page.screenshot(ARTIFACTS / "report-site-board-rag.png")
    for metric_id, month, value, unit, status, target in board:
        shown = page.evaluate(f"return {_board_row(metric_id, 'td.figure')}.innerText.trim();")
        row = page.evaluate(
            'const r = document.querySelector(`tr[data-board-metric="${arguments[0]}"]`);'
            " return [r.dataset.month, r.dataset.rag];",
            metric_id,
        )
        target_shown = page.evaluate(
            f"return {_board_row(metric_id, 'td.target')}.innerText.trim();"
        )
        assert shown == _shown(metric_id, unit, value), metric_id
        assert row == [month, status], metric_id
        assert target_shown == _shown(metric_id, unit, target), metric_id


def _location_is(path: str, anchor: str) -> str:
    return f"location.pathname.replace(/\\/$/, '') === '{path}' && location.hash === '#{anchor}'"


def test_three_clicks_from_a_board_figure_to_definition_trend_and_evidence(
    page: HeadlessPage, site_url: str, built_warehouse: BuiltWarehouse
) -> None:
    """From the FCR figure on the scorecard: one click to its registry definition, one to its
    trend, two to the experiment evidence behind a driver the logic model links to it."""
    metric_id = "first_contact_resolution"
    definition, _ = _catalogue_entry(built_warehouse.database, metric_id)
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        anchors = {
            anchor
            for (anchor,) in connection.execute(
                "select distinct experiment_anchor from"
                " marts_governance.fct_logic_model_links_monthly where outcome_metric_id = ?",
                [metric_id],
            ).fetchall()
        }
    assert anchors, "the logic model links drivers to FCR"
    row = f"tr[data-board-metric='{metric_id}']"

    # click 1: the definition
    page.open(f"{site_url}/")
    page.wait_until(f'document.querySelector("{row} a.to-definition")', description="the board row")
    _click_in_view(page, f"{row} a.to-definition")
    shown = page.wait_until(
        _location_is("/definitions", metric_id)
        + f" && document.querySelector('section#{metric_id} .definition-text')?.innerText",
        description="the FCR definition",
        screenshot_on_failure=FAILURE_SHOT,
    )
    assert _squash(str(shown)) == _squash(definition)

    # click 1: the trend
    page.open(f"{site_url}/")
    page.wait_until(f'document.querySelector("{row} a.to-trend")', description="the board row")
    _click_in_view(page, f"{row} a.to-trend")
    page.wait_until(
        _location_is("/trends", metric_id)
        + f" && document.querySelector('section#{metric_id} [_echarts_instance_]')"
        + f" && document.querySelector('section#{metric_id} td.figure')",
        description="the FCR trend chart and its months",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.screenshot(ARTIFACTS / "report-site-trend.png")

    # clicks 1 and 2: the drivers, then the experiment evidence behind one of them
    page.open(f"{site_url}/")
    page.wait_until(f'document.querySelector("{row} a.to-drivers")', description="the board row")
    _click_in_view(page, f"{row} a.to-drivers")
    page.wait_until(
        _location_is("/logic-model", metric_id)
        + f" && document.querySelector('section#{metric_id} a.experiment-link')",
        description="the drivers of FCR in the logic model",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.screenshot(ARTIFACTS / "report-site-logic-model.png")
    href = page.evaluate(
        f"return document.querySelector('section#{metric_id} a.experiment-link')"
        ".getAttribute('href');"
    )
    anchor = str(href).split("#", 1)[1]
    assert anchor in anchors
    _click_in_view(page, f"section#{metric_id} a.experiment-link")
    page.wait_until(
        _location_is("/experiments", anchor)
        + f" && document.querySelector('section.experiment#{anchor} dd.effect')?.innerText",
        description="the experiment on the driver, at its anchor, with its effect size",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.screenshot(ARTIFACTS / "report-site-experiment-evidence.png")


def test_okr_and_gaming_watch_pages_show_the_marts(
    page: HeadlessPage, site_url: str, built_warehouse: BuiltWarehouse
) -> None:
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        okrs = connection.execute(
            "select key_result_id, current_value, progress_status"
            " from marts_governance.fct_okr_progress"
        ).fetchall()
        watched = {
            team
            for (team,) in connection.execute(
                "select distinct agent_team from marts_risk.fct_gaming_watch_teams_quarterly"
                " where is_on_gaming_watch"
            ).fetchall()
        }
    assert okrs and watched
    page.open(f"{site_url}/okrs/")
    page.wait_until(
        f"document.querySelectorAll('tr[data-key-result]').length === {len(okrs)}",
        description="every key result",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.screenshot(ARTIFACTS / "report-site-okrs.png")
    for key_result, value, status in okrs:
        cells = page.evaluate(
            'const r = document.querySelector(`tr[data-key-result="${arguments[0]}"]`);'
            " return [r.querySelector('td.current').innerText.trim(), r.dataset.status];",
            key_result,
        )
        assert cells == ["—" if value is None else f"{value:.3f}", status], key_result
    page.open(f"{site_url}/gaming-watch/")
    page.wait_until(
        "document.querySelectorAll('tr[data-team]').length > 0",
        description="the gaming watch table",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.screenshot(ARTIFACTS / "report-site-gaming-watch.png")
    shown = page.evaluate(
        "return [...document.querySelectorAll('tr[data-watch=\"true\"]')].map(r => r.dataset.team);"
    )
    assert set(shown) == watched


# --- the experiments page (issue 8): effect sizes, intervals and design checks ---

EXPERIMENTS_SQL = """
select experiment_id, driver_metric_id, outcome_metric_id, effect_estimate, ci_lower, ci_upper,
    confidence_level, finding, pre_trend_status
from marts_decisions.fct_experiment_effects
order by start_date, experiment_id
"""


def test_experiments_page_shows_each_effect_and_links_to_its_outcome(
    page: HeadlessPage, site_url: str, built_warehouse: BuiltWarehouse
) -> None:
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        experiments = connection.execute(EXPERIMENTS_SQL).fetchall()
    assert len(experiments) >= 2, "a randomised and a difference-in-differences experiment"
    page.open(f"{site_url}/experiments/")
    page.wait_until(
        f"document.querySelectorAll('table.experiments tr[data-experiment-id]').length"
        f" === {len(experiments)}",
        description="a row per experiment",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.wait_until(
        "document.querySelectorAll('section.experiment [_echarts_instance_]').length > 0",
        description="the arms' outcome by period",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.screenshot(ARTIFACTS / "report-site-experiments.png")
    for experiment_id, driver, outcome, effect, lower, upper, level, finding, check in experiments:
        row = f'table.experiments tr[data-experiment-id="{experiment_id}"]'
        shown = page.evaluate(
            "const r = document.querySelector(arguments[0]);"
            " return ['td.effect', 'td.interval', 'td.finding', 'td.pre-trend-status']"
            ".map(c => r.querySelector(c).innerText.trim());",
            row,
        )
        assert shown == [
            f"{effect * 100:+.1f} pts",
            f"{lower * 100:+.1f} to {upper * 100:+.1f} pts ({level * 100:.0f}%)",
            finding,
            check,
        ], experiment_id
        # the logic model links a driver to /experiments#<driver>: the experiment's section
        section = page.evaluate(
            "return document.getElementById(arguments[0])?.dataset.experimentId;", driver
        )
        assert section == experiment_id
        href = page.evaluate(
            f"return document.querySelector('{row} a.outcome-link').getAttribute('href');"
        )
        assert href == f"/definitions#{outcome}"
    # every other driver in the logic model has its own "not yet tested" section, so no
    # evidence link on the logic-model page leads nowhere
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        untested = sorted(
            str(driver)
            for (driver,) in connection.execute(
                "select distinct driver_metric_id "
                "from marts_governance.fct_logic_model_links_monthly "
                "where experiments_on_driver = 0"
            ).fetchall()
        )
    assert untested, "the logic model has drivers no experiment has changed yet"
    assert not set(untested) & {driver for _, driver, *_ in experiments}
    shown_untested = page.evaluate(
        "return [...document.querySelectorAll('section.untested-driver')].map(s => s.id).sort();"
    )
    assert shown_untested == untested
    first_outcome = experiments[0][2]
    definition, _ = _catalogue_entry(built_warehouse.database, first_outcome)
    page.click(f'table.experiments tr[data-experiment-id="{experiments[0][0]}"] a.outcome-link')
    shown_definition = page.wait_until(
        _location_is("/definitions", first_outcome)
        + f" && document.querySelector('section#{first_outcome} .definition-text')?.innerText",
        description="the outcome's definition from the experiments page",
        screenshot_on_failure=FAILURE_SHOT,
    )
    assert _squash(str(shown_definition)) == _squash(definition)
