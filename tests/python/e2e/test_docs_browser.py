"""The documentation an auditor signs off: the static docs page as a browser shows it, the
descriptions persisted in the warehouse, owners and lenses on every mart, and exposures that name
exactly what each consumer reads.

The browser checks open `static_index.html` in Debian's headless Chromium (`make browser`) and keep
their screenshots in `artifacts/browser/`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from service_outcomes import report

from ..browser import BrowserTools, HeadlessPage, PageNotRendered, find_browser_tools
from .warehouse import PROJECT_ROOT, BuiltWarehouse, run_dbt

pytestmark = pytest.mark.e2e

ARTIFACTS = PROJECT_ROOT / "artifacts" / "browser"
# What the page showed when a browser check last timed out.
FAILURE_SHOT = ARTIFACTS / "last-failure.png"
PROJECT = "service_outcomes"
MART = "fct_episode_outcomes"
MART_ID = f"model.{PROJECT}.{MART}"
REPORT_EXPOSURE = f"exposure.{PROJECT}.service_outcomes_report_cli"
DOCS_EXPOSURE = f"exposure.{PROJECT}.auditor_docs_site"
MF = Path(sys.executable).with_name("mf")
DBT = Path(sys.executable).with_name("dbt")
PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "snapshots",
                 "tests", "analyses")  # fmt: skip

# The cytoscape instance the docs page draws its lineage graph with (it registers on its container).
CYTOSCAPE = "((document.getElementById('cy') || {})._cyreg || {}).cy"
GRAPH_SERVICE = "angular.element(document.body).injector().get('graph')"
# Resource types left out of the lineage screenshot: menu label -> unique id prefix.
HIDDEN_IN_SCREENSHOT = {
    "Tests": "test",
    "Unit_tests": "unit_test",
    "Analyses": "analysis",
    "Metrics": "metric",
    "Semantic_models": "semantic_model",
    "Saved_querys": "saved_query",
}


@dataclass(frozen=True)
class DocsSite:
    """The generated static docs page and the manifest it was generated from."""

    page: Path
    manifest: dict[str, Any]

    def node(self, unique_id: str) -> dict[str, Any]:
        return self.manifest["nodes"][unique_id]

    def marts(self) -> list[dict[str, Any]]:
        return [
            node
            for node in self.manifest["nodes"].values()
            if node["resource_type"] == "model"
            and node["original_file_path"].startswith("models/marts/")
        ]


@pytest.fixture(scope="module")
def docs_site(built_warehouse: BuiltWarehouse) -> DocsSite:
    run_dbt(built_warehouse, "docs", "generate", "--static")
    target = built_warehouse.root / "target"
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return DocsSite(page=target / "static_index.html", manifest=manifest)


@pytest.fixture(scope="module")
def browser_tools() -> BrowserTools:
    tools = find_browser_tools()
    if tools is None:
        message = "Debian's chromium and chromium-driver are not installed; run `make browser`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return tools


@pytest.fixture
def page(browser_tools: BrowserTools) -> Iterator[HeadlessPage]:
    with HeadlessPage(browser_tools) as headless_page:
        yield headless_page


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _relations_read(sql: str) -> set[str]:
    """schema.table of every relation a query reads, as DuckDB's parser finds them (its qualified
    names may carry the database in front and the alias behind)."""
    names = (name.split(" AS ")[0] for name in duckdb.get_table_names(sql, qualified=True))
    return {".".join(name.split(".")[-2:]) for name in names}


def _open_model_page(
    page: HeadlessPage, html: Path, unique_id: str, column_count: int, *, failure_shot: Path
) -> list[list[str]]:
    """Open a model's page and wait until its column table shows every column; return the rows
    as [column name, description as shown]. On time-out the page as shown goes to failure_shot."""
    page.open(html.resolve().as_uri() + f"#!/model/{unique_id}")
    page.wait_until(
        f"document.querySelectorAll('tr.column-row').length >= {column_count}",
        description=f"the {column_count} column rows of {unique_id}",
        screenshot_on_failure=failure_shot,
    )
    rows: list[list[str]] = page.evaluate(
        "return Array.from(document.querySelectorAll('tr.column-row'),"
        " row => [row.cells[0].innerText.trim(), row.cells[2].innerText]);"
    )
    return rows


def _wait_for_graph(page: HeadlessPage, condition: str, *, description: str) -> list[str]:
    """Wait until the full-width lineage graph meets a condition (JavaScript over `nodes`, the
    ids of its nodes), is laid out inside the window and is drawn on its canvas; return the ids."""
    laid_out_and_drawn = f"""
        {GRAPH_SERVICE}.orientation === 'fullscreen' && (function () {{
            var cy = {CYTOSCAPE};
            if (!cy || cy.nodes().length === 0 || cy.width() < 600) return false;
            var nodes = cy.nodes().map(function (node) {{ return node.id(); }});
            if (!({condition})) return false;
            var inside = cy.nodes().every(function (node) {{
                var p = node.renderedPosition();
                return p.x > 0 && p.y > 0 && p.x < cy.width() && p.y < cy.height();
            }});
            var painted = Array.from(document.querySelectorAll('#cy canvas')).some(function (c) {{
                if (!c.width || !c.height) return false;
                var pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                var drawn = 0;
                for (var i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) drawn++;
                return drawn > 2000;
            }});
            return inside && painted;
        }})()"""
    page.wait_until(
        laid_out_and_drawn,
        description=f"the lineage graph laid out, drawn and {description}",
        screenshot_on_failure=FAILURE_SHOT,
    )
    node_ids: list[str] = page.evaluate(f"return {CYTOSCAPE}.nodes().map(n => n.id());")
    return node_ids


def _open_lineage(page: HeadlessPage) -> list[str]:
    """From an open model page, open the lineage graph full-width as a user would (the launcher
    button, then expand); return the ids of the nodes it draws."""
    page.click(".launcher-btn a")
    page.wait_until(
        f"{GRAPH_SERVICE}.orientation === 'sidebar' && {CYTOSCAPE}.nodes().length > 0",
        description="the lineage side panel",
        screenshot_on_failure=FAILURE_SHOT,
    )
    page.click("[ng-click='showExpanded()']")
    return _wait_for_graph(page, "true", description="expanded")


def _hide_resource_types(page: HeadlessPage, labels: list[str]) -> list[str]:
    """Untick resource types in the graph's `resources` menu and press Update Graph, as a user
    would; return the ids of the nodes drawn once none of those types is left."""
    page.click("[ng-click=\"onSelectClick('resource_types')\"]")
    for label in labels:
        page.click("[ng-click^=\"onItemSelect('resource_types'\"]", text=label)
    page.click("[ng-click=\"onSelectClick('resource_types')\"]")
    page.click("#submit-graph-selection")
    hidden = json.dumps(sorted(HIDDEN_IN_SCREENSHOT.values()))
    return _wait_for_graph(
        page,
        f"nodes.every(function (id) {{ return {hidden}.indexOf(id.split('.')[0]) < 0; }})",
        description=f"without {', '.join(labels)}",
    )


def test_lineage_graph_renders_the_mart_with_its_sources_and_consumers(
    docs_site: DocsSite, page: HeadlessPage
) -> None:
    mart = docs_site.node(MART_ID)
    _open_model_page(page, docs_site.page, MART_ID, len(mart["columns"]), failure_shot=FAILURE_SHOT)
    shown = set(_open_lineage(page))
    selection = page.evaluate(
        "return document.querySelector('input[ng-model*=\"include\"]').value;"
    )
    assert selection == f"+{MART}+"

    parents = set(mart["depends_on"]["nodes"])
    consumers = {
        child
        for child in docs_site.manifest["child_map"][MART_ID]
        if child.split(".")[0] in {"model", "exposure"}
    }
    assert MART_ID in shown
    assert parents and parents <= shown, f"upstream missing from the graph: {parents - shown}"
    assert REPORT_EXPOSURE in consumers
    assert consumers <= shown, f"consumers missing from the graph: {consumers - shown}"
    # the lineage reaches back to the source exports
    assert any(node.startswith(f"source.{PROJECT}.") for node in shown)

    # For a readable screenshot, keep the data flow only: sources, seeds, models and exposures.
    data_flow = set(_hide_resource_types(page, list(HIDDEN_IN_SCREENSHOT)))
    assert {MART_ID, *parents, *consumers} <= data_flow
    screenshot = page.screenshot(ARTIFACTS / f"{MART}-lineage.png")
    print(f"lineage screenshot: {screenshot}")


def test_model_page_shows_the_auditor_facing_column_descriptions(
    docs_site: DocsSite, page: HeadlessPage
) -> None:
    mart = docs_site.node(MART_ID)
    columns = mart["columns"]
    rows = _open_model_page(page, docs_site.page, MART_ID, len(columns), failure_shot=FAILURE_SHOT)
    shown = {name: _normalised(description) for name, description in rows}

    assert set(shown) == set(columns)
    described = {name: column for name, column in columns.items() if column["description"]}
    assert len(described) == len(columns), "every column of a public mart has a description"
    mismatched = [
        name
        for name, column in described.items()
        if shown[name] != _normalised(column["description"])
    ]
    assert not mismatched, f"the page shows other descriptions for {mismatched}"

    details = _normalised(page.text("section:has(#details)"))
    meta = mart["config"]["meta"]
    assert f"OWNER {meta['owner']}" in details and f"LENS {meta['lens']}" in details, details

    page.evaluate("document.getElementById('columns').scrollIntoView();")
    screenshot = page.screenshot(ARTIFACTS / f"{MART}-model-page.png")
    print(f"model page screenshot: {screenshot}")


def test_the_browser_check_fails_when_the_page_does_not_show_the_mart(
    docs_site: DocsSite, page: HeadlessPage, tmp_path: Path
) -> None:
    """The same check, on a page whose manifest lost the mart, times out instead of passing."""
    broken = tmp_path / "static_index.html"
    html = docs_site.page.read_text(encoding="utf-8")
    broken.write_text(html.replace(MART_ID, f"{MART_ID}_removed"), encoding="utf-8")
    page.timeout_seconds = 8
    shown = tmp_path / "broken-page.png"
    with pytest.raises(PageNotRendered, match="column rows"):
        _open_model_page(page, broken, MART_ID, 1, failure_shot=shown)
    assert shown.stat().st_size > 0


def test_marts_carry_their_yaml_descriptions_as_warehouse_comments(
    built_warehouse: BuiltWarehouse, docs_site: DocsSite
) -> None:
    """persist_docs: every mart's table comment and column comments equal its YAML descriptions."""
    marts = docs_site.marts()
    problems: list[str] = []
    columns_checked = 0
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        for mart in marts:
            relation = (mart["schema"], mart["alias"])
            found = connection.execute(
                "select comment from duckdb_tables() where schema_name = ? and table_name = ?"
                " union all"
                " select comment from duckdb_views() where schema_name = ? and view_name = ?",
                [*relation, *relation],
            ).fetchall()
            assert len(found) == 1, f"{relation} not found in the warehouse"
            if (found[0][0] or "") != mart["description"]:
                problems.append(f"{mart['name']}: table comment differs from its description")
            comments = dict(
                connection.execute(
                    "select column_name, comment from duckdb_columns()"
                    " where schema_name = ? and table_name = ?",
                    list(relation),
                ).fetchall()
            )
            for name, column in mart["columns"].items():
                columns_checked += 1
                if (comments.get(name) or "") != column["description"]:
                    problems.append(f"{mart['name']}.{name}: column comment differs")
    assert not problems, "\n".join(problems)
    assert len(marts) >= 15 and columns_checked >= 300


def test_every_mart_names_its_owner_and_lens(docs_site: DocsSite) -> None:
    lenses = {path.name for path in (PROJECT_ROOT / "models" / "marts").iterdir() if path.is_dir()}
    missing = []
    for mart in docs_site.marts():
        meta = mart["config"].get("meta", {})
        if not str(meta.get("owner") or "").strip() or meta.get("lens") not in lenses:
            missing.append(f"{mart['original_file_path']}: meta {meta}")
    assert not missing, "marts without an owner or a known lens:\n" + "\n".join(missing)


def _exposure_models(docs_site: DocsSite, exposure_id: str) -> set[str]:
    exposure = docs_site.manifest["exposures"][exposure_id]
    return {node for node in exposure["depends_on"]["nodes"] if node.startswith("model.")}


def _models_by_relation(docs_site: DocsSite) -> dict[str, str]:
    """schema.table of every model -> its unique id."""
    return {
        f"{node['schema']}.{node['alias']}": unique_id
        for unique_id, node in docs_site.manifest["nodes"].items()
        if node["resource_type"] == "model"
    }


def test_exposures_depend_on_public_marts_only(docs_site: DocsSite) -> None:
    exposures = docs_site.manifest["exposures"]
    assert exposures
    for exposure_id, exposure in exposures.items():
        assert exposure["owner"]["name"] and exposure["description"].strip(), exposure_id
        models = _exposure_models(docs_site, exposure_id)
        assert models, f"{exposure_id} names no model"
        private = [m for m in models if docs_site.node(m)["access"] != "public"]
        assert not private, f"{exposure_id} depends on non-public models {private}"


def test_report_cli_exposure_lists_exactly_the_tables_report_reads(docs_site: DocsSite) -> None:
    queries = [value for name, value in vars(report).items() if name.endswith("_SQL")]
    assert queries, "report.py has no *_SQL query"
    read = set().union(*(_relations_read(sql) for sql in queries))
    by_relation = _models_by_relation(docs_site)
    assert read <= set(by_relation), f"report.py reads relations that are not models: {read}"
    assert _exposure_models(docs_site, REPORT_EXPOSURE) == {by_relation[r] for r in read}


@pytest.fixture(scope="module")
def semantic_project(
    built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """A project folder of links to this one with its own target/, where MetricFlow reads the
    semantic manifest."""
    project = tmp_path_factory.mktemp("exposure_semantic_project")
    for part in PROJECT_PARTS:
        (project / part).symlink_to(PROJECT_ROOT / part)
    environment = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project),
        "SERVICE_OUTCOMES_DB": str(built_warehouse.database),
    }
    subprocess.run([str(DBT), "parse", "--quiet"], cwd=project, env=environment, check=True)
    return project, environment


def _saved_query_sql(semantic_project: tuple[Path, dict[str, str]], saved_query: str) -> str:
    project, environment = semantic_project
    completed = subprocess.run(
        [str(MF), "query", "--saved-query", saved_query, "--explain"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # The SQL follows the line that announces it.
    _, sql = re.split(r"^.*SQL.*:\s*$", completed.stdout, maxsplit=1, flags=re.M)
    return sql


def test_board_exposures_list_exactly_what_their_saved_queries_read(
    docs_site: DocsSite, semantic_project: tuple[Path, dict[str, str]]
) -> None:
    """Each board saved query has one exposure whose models are the tables in the SQL MetricFlow
    generates for it, and whose metrics are the saved query's metrics."""
    saved_queries = docs_site.manifest["saved_queries"]
    assert saved_queries
    by_saved_query = {
        exposure["config"]["meta"].get("saved_query"): exposure_id
        for exposure_id, exposure in docs_site.manifest["exposures"].items()
    }
    by_relation = _models_by_relation(docs_site)
    for saved_query in saved_queries.values():
        name = saved_query["name"]
        assert name in by_saved_query, f"saved query {name} has no exposure"
        exposure_id = by_saved_query[name]
        read = _relations_read(_saved_query_sql(semantic_project, name))
        assert read and read <= set(by_relation), f"{name} reads {read}"
        assert _exposure_models(docs_site, exposure_id) == {by_relation[r] for r in read}, name
        exposure_metrics = {
            node.split(".")[-1]
            for node in docs_site.manifest["exposures"][exposure_id]["depends_on"]["nodes"]
            if node.startswith("metric.")
        }
        assert exposure_metrics == set(saved_query["query_params"]["metrics"]), name


def test_docs_site_exposure_lists_every_public_mart(docs_site: DocsSite) -> None:
    public = {
        unique_id
        for unique_id, node in docs_site.manifest["nodes"].items()
        if node["resource_type"] == "model" and node["access"] == "public"
    }
    assert _exposure_models(docs_site, DOCS_EXPOSURE) == public
