"""A private PostgreSQL 15 server for the `postgres` dbt target, and the copy of the raw tables.

The landing loader writes the raw_* schemas of a DuckDB file. To build the same project on
PostgreSQL, `copy_raw_schemas` copies those tables as they are (same schemas, names, column order
and types) into a PostgreSQL database through CSV and COPY; DuckDB's own postgres extension would
need a download at run time. `PostgresServer` starts a throw-away cluster from Debian's
postgresql-15 packages in a temporary folder, listening on loopback only, and removes it again.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import duckdb
import psycopg2

from service_outcomes.engines import raw_tables

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER = "service_outcomes"
DATABASE = "service_outcomes"
# Runs the server when this process is root: PostgreSQL refuses to run as root.
SERVICE_ACCOUNT = "postgres"

# DuckDB column type (information_schema.columns.data_type) to the PostgreSQL type of the copy.
_TYPES = {
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "VARCHAR": "text",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def ensure_postgres_installed() -> None:
    """Install Debian's postgresql-15 through apt when its binaries are missing (as root, or
    through `sudo -n` otherwise)."""
    if (POSTGRES_BIN / "postgres").exists():
        return
    if shutil.which("apt-get") is None:
        raise RuntimeError(
            "PostgreSQL 15 is missing and there is no apt-get: install postgresql-15"
        )
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = [*prefix, "apt-get"]
    subprocess.run([*apt, "update", "-qq"], check=True, env=environment, capture_output=True)
    subprocess.run(
        [*apt, "install", "-y", "-qq", "--no-install-recommends", "postgresql-15"],
        check=True,
        env=environment,
        capture_output=True,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """A throw-away PostgreSQL cluster in a temporary folder, for tests and trials: TCP on
    127.0.0.1 only, no Unix socket, trust authentication (any local user may connect while it
    runs), stopped and deleted on exit. Run as the `postgres` account when this process is root.
    Use as a context manager."""

    port: int = field(default_factory=_free_port)
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    database: str = DATABASE
    root: Path | None = None

    def _command(self, *args: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", SERVICE_ACCOUNT, "--", *args]
        return list(args)

    def _run(self, *args: str) -> None:
        completed = subprocess.run(
            self._command(*args), capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            raise RuntimeError(f"{args[0]} failed:\n{completed.stdout}\n{completed.stderr}")

    @property
    def data_dir(self) -> Path:
        if self.root is None:
            raise RuntimeError("the server is not started")
        return self.root / "data"

    def start(self) -> PostgresServer:
        """Create and start the cluster and its database; stop and delete it again on failure."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> PostgresServer:
        ensure_postgres_installed()
        # Directly under the system temp folder, so the service account can reach it.
        self.root = Path(tempfile.mkdtemp(prefix="service-outcomes-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, user=SERVICE_ACCOUNT)
        self._run(
            str(POSTGRES_BIN / "initdb"),
            "--pgdata",
            str(self.data_dir),
            "--username",
            self.user,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
        )
        # A throw-away cluster: durability is traded for speed, sessions default to UTC.
        options = (
            f"-c listen_addresses={self.host} -p {self.port} -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c TimeZone=UTC"
        )
        self._run(
            str(POSTGRES_BIN / "pg_ctl"),
            "start",
            "--wait",
            "--pgdata",
            str(self.data_dir),
            "--log",
            str(self.root / "server.log"),
            "--options",
            options,
        )
        self._wait_ready()
        connection = psycopg2.connect(self.dsn("postgres"))
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'create database "{self.database}"')
        finally:
            connection.close()
        return self

    def _wait_ready(self, timeout_seconds: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                psycopg2.connect(self.dsn("postgres")).close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.root is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            self._run(
                str(POSTGRES_BIN / "pg_ctl"), "stop", "--wait", "--mode", "fast",
                "--pgdata", str(self.data_dir),
            )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def dsn(self, database: str | None = None) -> str:
        return (
            f"host={self.host} port={self.port} user={self.user} dbname={database or self.database}"
        )

    def profile_environment(self) -> dict[str, str]:
        """The environment variables the `postgres` output of profiles.yml reads."""
        return {
            "SERVICE_OUTCOMES_PG_HOST": self.host,
            "SERVICE_OUTCOMES_PG_PORT": str(self.port),
            "SERVICE_OUTCOMES_PG_USER": self.user,
            "SERVICE_OUTCOMES_PG_PASSWORD": "",
            "SERVICE_OUTCOMES_PG_DATABASE": self.database,
        }

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def copy_raw_schemas(duckdb_path: Path, dsn: str, schema_prefix: str = "raw_") -> dict[str, int]:
    """Copy every table of the DuckDB schemas whose name starts with schema_prefix into the
    PostgreSQL database at dsn, replacing tables of the same name. Returns rows per table.
    Plain column names are lower-cased (see _postgres_name). Nulls stay nulls and empty text
    stays empty text (CSV: unquoted empty vs "")."""
    copied: dict[str, int] = {}
    source = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="service-outcomes-copy-") as folder,
            psycopg2.connect(dsn) as target,
            target.cursor() as cursor,
        ):
            for schema, table, columns in raw_tables(source, schema_prefix):
                definition = ", ".join(
                    f'"{_postgres_name(name)}" {_postgres_type(kind)}' for name, kind in columns
                )
                cursor.execute(f'create schema if not exists "{schema}"')
                cursor.execute(f'drop table if exists "{schema}"."{table}" cascade')
                cursor.execute(f'create table "{schema}"."{table}" ({definition})')
                csv_path = Path(folder) / f"{schema}.{table}.csv"
                source.execute(
                    f'copy "{schema}"."{table}" to \'{csv_path}\' '
                    "(format csv, header false, timestampformat '%Y-%m-%d %H:%M:%S.%f')"
                )
                with csv_path.open(encoding="utf-8") as handle:
                    cursor.copy_expert(
                        f'copy "{schema}"."{table}" from stdin with (format csv)', handle
                    )
                copied[f"{schema}.{table}"] = cursor.rowcount
    finally:
        source.close()
    return copied


def _postgres_name(name: str) -> str:
    """PostgreSQL folds the project's unquoted identifiers (Id, CaseNumber) to lower case, where
    DuckDB matches them case-insensitively: plain names are stored lower case. A name the project
    must quote anyway ("Duration (in seconds)") keeps its spelling."""
    return name.lower() if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else name


def _postgres_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.lower().replace("decimal", "numeric")
    try:
        return _TYPES[duckdb_type]
    except KeyError:
        raise ValueError(f"no PostgreSQL type for DuckDB type {duckdb_type}") from None


def dsn_from_environment() -> str:
    """The connection the `postgres` output of profiles.yml uses, from the same variables."""
    password = os.environ.get("SERVICE_OUTCOMES_PG_PASSWORD", "")
    parts = [
        f"host={os.environ.get('SERVICE_OUTCOMES_PG_HOST', '127.0.0.1')}",
        f"port={os.environ.get('SERVICE_OUTCOMES_PG_PORT', '5432')}",
        f"user={os.environ.get('SERVICE_OUTCOMES_PG_USER', SUPERUSER)}",
        f"dbname={os.environ.get('SERVICE_OUTCOMES_PG_DATABASE', DATABASE)}",
    ]
    if password:
        parts.append(f"password={password}")
    return " ".join(parts)


def main(argv: list[str] | None = None) -> int:
    """`python -m service_outcomes.engines.postgres copy|serve --database <duckdb file>`."""
    parser = argparse.ArgumentParser(
        prog="python -m service_outcomes.engines.postgres",
        description="Copy the raw_* schemas into PostgreSQL for `dbt build --target postgres`.",
    )
    parser.add_argument("command", choices=["copy", "serve"], help=(
        "copy: into the server the SERVICE_OUTCOMES_PG_* variables name; "
        "serve: start a private server on loopback, copy, print its variables, run until Ctrl-C"
    ))  # fmt: skip
    parser.add_argument("--database", type=Path, required=True, help="the loaded DuckDB file")
    arguments = parser.parse_args(argv)
    if arguments.command == "copy":
        _print_copied(copy_raw_schemas(arguments.database, dsn_from_environment()))
        return 0
    with PostgresServer() as server:
        _print_copied(copy_raw_schemas(arguments.database, server.dsn()))
        for name, value in server.profile_environment().items():
            print(f"export {name}={value}")
        print("PostgreSQL is running; Ctrl-C stops and deletes it.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def _print_copied(copied: dict[str, int]) -> None:
    for table, rows in copied.items():
        print(f"{table}: {rows} rows")


if __name__ == "__main__":
    raise SystemExit(main())
