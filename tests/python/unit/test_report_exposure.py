"""The report CLI's exposure names exactly the marts `service_outcomes.report` queries.

Read without dbt: the exposure from its YAML, the tables from the report's SQL as DuckDB parses it,
and each table's model from the marts folders and the schema `dbt_project.yml` gives each folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import yaml

from service_outcomes import report

PROJECT_ROOT = Path(__file__).resolve().parents[3]
EXPOSURES = PROJECT_ROOT / "models" / "marts" / "_marts__exposures.yml"
REPORT_EXPOSURE = "service_outcomes_report_cli"


def _report_queries() -> list[str]:
    return [value for name, value in vars(report).items() if name.endswith("_SQL")]


def _relations_read(sql: str) -> set[str]:
    """schema.table of every relation a query reads, as DuckDB's parser finds them (its qualified
    names may carry the database in front and the alias behind)."""
    names = (name.split(" AS ")[0] for name in duckdb.get_table_names(sql, qualified=True))
    return {".".join(name.split(".")[-2:]) for name in names}


def _tables_read_by_report() -> set[str]:
    return set().union(*(_relations_read(sql) for sql in _report_queries()))


def _exposure_refs(name: str) -> set[str]:
    exposures = yaml.safe_load(EXPOSURES.read_text(encoding="utf-8"))["exposures"]
    [exposure] = [exposure for exposure in exposures if exposure["name"] == name]
    refs = set()
    for dependency in exposure["depends_on"]:
        matched = re.fullmatch(r"ref\(\s*'(\w+)'\s*\)", dependency)
        if matched:
            refs.add(matched.group(1))
    return refs


def _mart_relations() -> dict[str, str]:
    """schema.table of every mart model, from its folder and that folder's configured schema."""
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    folders = project["models"]["service_outcomes"]["marts"]
    relations = {}
    for sql in (PROJECT_ROOT / "models" / "marts").glob("*/*.sql"):
        schema = folders[sql.parent.name]["+schema"]
        relations[f"{schema}.{sql.stem}"] = sql.stem
    return relations


def test_the_report_queries_are_found() -> None:
    assert _report_queries(), "report.py keeps its SQL in *_SQL constants"
    source = Path(report.__file__).read_text(encoding="utf-8")
    mentioned = set(re.findall(r"\b(marts_\w+\.\w+)\b", source))
    assert mentioned and mentioned <= _tables_read_by_report(), (
        "report.py names marts outside its *_SQL constants"
    )


def test_report_exposure_lists_exactly_the_marts_the_report_reads() -> None:
    relations = _mart_relations()
    read = _tables_read_by_report()
    assert read <= set(relations), f"report.py reads relations that are not marts: {read}"
    assert _exposure_refs(REPORT_EXPOSURE) == {relations[table] for table in read}
