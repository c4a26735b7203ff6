"""The `spark` target of profiles.yml and service_outcomes.engines.spark agree (no Spark started).

The engine module opens its own Spark sessions (to copy the raw tables in and export the marts) on
the same metastore as dbt's session, so both must name the same settings; and nothing Spark writes
may land in the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from service_outcomes.engines import spark

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _rendered_spark_output(environment: dict[str, str]) -> dict[str, Any]:
    """The profile's `spark` output with env_var() rendered as dbt renders it."""
    profiles = yaml.safe_load((PROJECT_ROOT / "profiles.yml").read_text(encoding="utf-8"))
    output: dict[str, Any] = profiles["service_outcomes"]["outputs"]["spark"]

    def env_var(name: str, default: str | None = None) -> str:
        value = environment.get(name, default)
        if value is None:
            raise KeyError(name)
        return value

    def render(value: Any) -> Any:
        if isinstance(value, str):
            return jinja2.Template(value).render(env_var=env_var)
        if isinstance(value, dict):
            return {key: render(item) for key, item in value.items()}
        return value

    rendered: dict[str, Any] = render(output)
    return rendered


def test_profile_names_the_engine_modules_settings(tmp_path: Path) -> None:
    output = _rendered_spark_output({spark.SPARK_DIR_VARIABLE: str(tmp_path)})
    assert output["type"] == "spark"
    assert output["method"] == "session"
    assert output["threads"] == 1
    assert output["server_side_parameters"] == spark.session_settings(tmp_path)


def test_profile_default_scratch_folder_is_the_engine_modules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(spark.SPARK_DIR_VARIABLE, raising=False)
    output = _rendered_spark_output({})
    assert output["server_side_parameters"] == spark.session_settings(spark.DEFAULT_SPARK_DIR)
    assert spark.spark_dir() == spark.DEFAULT_SPARK_DIR


def test_everything_spark_writes_is_under_the_scratch_folder(tmp_path: Path) -> None:
    settings = spark.session_settings(tmp_path)
    for name in ("spark.sql.warehouse.dir", "spark.local.dir"):
        assert Path(settings[name]).is_relative_to(tmp_path)
    # The Derby metastore (an absolute database name) and derby.log (derby.system.home).
    assert (
        f"databaseName={tmp_path / 'metastore_db'};"
        in (settings["spark.hadoop.javax.jdo.option.ConnectionURL"])
    )
    assert settings["spark.driver.extraJavaOptions"] == f"-Dderby.system.home={tmp_path}"
    assert settings["spark.sql.session.timeZone"] == "UTC"


def test_spark_leftovers_are_ignored_by_git() -> None:
    ignored = (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    for name in ("metastore_db/", "derby.log", "spark-warehouse/"):
        assert name in ignored


@pytest.mark.parametrize(
    ("duckdb_type", "spark_type"),
    [
        ("VARCHAR", "string"),
        ("BIGINT", "bigint"),
        ("TIMESTAMP", "timestamp"),
        ("DECIMAL(18,2)", "decimal(18,2)"),
        ("DOUBLE", "double"),
    ],
)
def test_raw_column_types_map_to_spark(duckdb_type: str, spark_type: str) -> None:
    assert spark._spark_type(duckdb_type) == spark_type


def test_an_unknown_raw_column_type_stops_the_copy() -> None:
    with pytest.raises(ValueError, match="no Spark type"):
        spark._spark_type("INTERVAL")
