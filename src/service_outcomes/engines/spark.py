"""Apache Spark (PySpark in session mode) for the `spark` dbt target: the session settings, the
copy of the raw tables in, and where the tables Spark builds are kept.

dbt-spark's session method starts Spark inside the dbt process, with a Hive metastore in an
embedded Derby database. Everything Spark writes (the Derby metastore, derby.log, the table files
of the warehouse, shuffle spill) goes under one scratch folder named by SERVICE_OUTCOMES_SPARK_DIR,
never into the repository; `session_settings` is the one list of settings, and the `spark` output
of profiles.yml must name the same ones (tests/python/unit/test_spark_engine.py checks it).

`copy_raw_schemas` copies the raw_* schemas of a loaded DuckDB file into Spark tables of the same
schemas, names, columns and types, through Parquet files (plain Parquet tables: no Delta, no jars
fetched at run time). Every table dbt builds is a plain Parquet folder under the scratch folder
(`table_folder`), which any Parquet reader can open without starting Spark: the parity test reads
the marts that way. Derby admits one process at a time, so the copy runs its own Spark session,
stops its JVM before it returns, and is meant to run in a process of its own
(`python -m service_outcomes.engines.spark copy --database <file>`).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from service_outcomes.engines import raw_tables

SPARK_DIR_VARIABLE = "SERVICE_OUTCOMES_SPARK_DIR"
# The same default as the `spark` output of profiles.yml.
DEFAULT_SPARK_DIR = Path("/tmp/service-outcomes-spark")

# DuckDB column type (information_schema.columns.data_type) to the Spark SQL type of the copy.
# TIMESTAMP (without time zone, always UTC in this project) becomes Spark's session-zone
# timestamp, with the session zone fixed to UTC; Parquet would otherwise bring it in as
# timestamp_ntz, a type the models never produce.
_TYPES = {
    "BIGINT": "bigint",
    "INTEGER": "int",
    "SMALLINT": "smallint",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "DOUBLE": "double",
    "FLOAT": "float",
    "VARCHAR": "string",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}


def spark_dir() -> Path:
    """The Spark session's scratch folder: SERVICE_OUTCOMES_SPARK_DIR, else DEFAULT_SPARK_DIR."""
    return Path(os.environ.get(SPARK_DIR_VARIABLE) or DEFAULT_SPARK_DIR)


def session_settings(scratch: Path) -> dict[str, str]:
    """The Spark settings of the `spark` dbt target (profiles.yml, server_side_parameters) for a
    scratch folder. Two local cores; a handful of shuffle partitions, because the data of one
    service organisation is small for Spark; the session time zone UTC, so `timestamp` values are
    the project's UTC wall-clock times; ANSI SQL mode (Spark 4's default) kept, so a bad cast
    fails as it does on DuckDB and PostgreSQL; double-quoted names are identifiers, as there."""
    return {
        "spark.master": "local[2]",
        "spark.driver.memory": "2g",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.ansi.enabled": "true",
        "spark.sql.ansi.doubleQuotedIdentifiers": "true",
        "spark.sql.warehouse.dir": str(scratch / "spark-warehouse"),
        "spark.local.dir": str(scratch / "local"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={scratch / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={scratch}",
    }


@contextmanager
def spark_session(scratch: Path) -> Iterator[Any]:
    """A Spark session with the target's settings and Hive support (the metastore dbt uses);
    the session and its JVM are stopped on exit, which releases the Derby metastore."""
    from pyspark.sql import SparkSession

    scratch.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("service-outcomes").enableHiveSupport()
    for name, value in session_settings(scratch).items():
        builder = builder.config(name, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        _stop(session)


def _stop(session: Any) -> None:
    """Stop the session and shut its JVM down, so that the next process can open the metastore."""
    from pyspark import SparkContext

    session.stop()
    gateway = SparkContext._gateway
    if gateway is not None:
        gateway.shutdown()
        SparkContext._gateway = None
        SparkContext._jvm = None


def copy_raw_schemas(
    duckdb_path: Path, scratch: Path, schema_prefix: str = "raw_"
) -> dict[str, int]:
    """Copy every table of the DuckDB schemas whose name starts with schema_prefix into Spark
    tables of the same schema and name (Parquet, managed by the metastore in scratch), replacing
    tables of the same name. Column names, order and values are kept; types as in _TYPES.
    Returns rows per table."""
    copied: dict[str, int] = {}
    source = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        scratch.mkdir(parents=True, exist_ok=True)
        with (
            tempfile.TemporaryDirectory(prefix="copy-", dir=scratch) as folder,
            spark_session(scratch) as spark,
        ):
            for schema, table, columns in raw_tables(source, schema_prefix):
                parquet_path = Path(folder) / f"{schema}.{table}.parquet"
                source.execute(f'copy "{schema}"."{table}" to \'{parquet_path}\' (format parquet)')
                selected = ", ".join(
                    f"cast(`{name}` as {_spark_type(kind)}) as `{name}`" for name, kind in columns
                )
                spark.sql(f"create schema if not exists `{schema}`")
                spark.sql(f"drop table if exists `{schema}`.`{table}`")
                spark.sql(
                    f"create table `{schema}`.`{table}` using parquet as "
                    f"select {selected} from parquet.`{parquet_path}`"
                )
                counted = spark.sql(f"select count(*) from `{schema}`.`{table}`").collect()
                copied[f"{schema}.{table}"] = int(counted[0][0])
    finally:
        source.close()
    return copied


def table_folder(scratch: Path, schema: str, table: str) -> Path:
    """The folder of Parquet files of a table Spark manages: spark-warehouse/<schema>.db/<table>
    under the scratch folder (Spark's layout for a Hive-metastore table without a location)."""
    return scratch / "spark-warehouse" / f"{schema}.db" / table


def _spark_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.lower()
    try:
        return _TYPES[duckdb_type]
    except KeyError:
        raise ValueError(f"no Spark type for DuckDB type {duckdb_type}") from None


def main(argv: list[str] | None = None) -> int:
    """`python -m service_outcomes.engines.spark copy --database <duckdb file>`; the scratch
    folder is SERVICE_OUTCOMES_SPARK_DIR unless --spark-dir names one."""
    parser = argparse.ArgumentParser(
        prog="python -m service_outcomes.engines.spark",
        description=(
            "Copy the raw_* schemas of a loaded DuckDB file into Spark for "
            "`dbt build --target spark`."
        ),
    )
    parser.add_argument("command", choices=["copy"], help="copy the raw_* tables into Spark")
    parser.add_argument("--database", type=Path, required=True, help="the loaded DuckDB file")
    parser.add_argument(
        "--spark-dir",
        type=Path,
        default=None,
        help=f"scratch folder of the metastore and the tables (default: ${SPARK_DIR_VARIABLE})",
    )
    arguments = parser.parse_args(argv)
    scratch = arguments.spark_dir or spark_dir()
    started = time.monotonic()
    for table, rows in copy_raw_schemas(arguments.database, scratch).items():
        print(f"{table}: {rows} rows")
    print(f"{arguments.command}: {time.monotonic() - started:.1f} s (scratch {scratch})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
