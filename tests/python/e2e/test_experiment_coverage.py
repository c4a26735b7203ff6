"""The experiments' stated intervals cover the simulation's true effects at the stated rate.

Over :data:`SEEDS` independently simulated CI worlds, each experiment's 95% interval from
``fct_experiment_effects`` must contain the true effect the generator wrote to
``experiments.json`` (intent to treat for the randomised rollout, the effect on the treated for
the difference-in-differences policy), recomputed over exactly the strata the estimate used.

Acceptance bound, from the binomial: with a true coverage of 95%, the number of covering
intervals out of 20 is Binomial(20, 0.95); P(X <= 15) = 0.26%, so the test fails when fewer than
:data:`MIN_COVERED` = 16 of 20 intervals cover (a false alarm about once in 400 runs per
experiment). It cannot tell 95% from 100% (P(X = 20) = 36%), so it also checks that the standard
errors are calibrated: the mean of ((estimate - truth) / standard error)^2 over the worlds, about
1 (a little more for t-based intervals) when the errors are right, must lie within
:data:`Z2_BOUNDS` - an interval twice too wide or too narrow fails.

Cost: dbt has a fixed cost of about 20 s per call, so dbt builds the experiment marts and their
upstream models once, on the first world; every other world is generated and loaded
(``service-outcomes load``, contracts checked) into a file of the same name, and the compiled SQL
of those models, as dbt wrote it to the manifest, is executed in DAG order directly in DuckDB, the
seeds copied from the first world. The first world is also run that way and must give dbt's own
figures, so the shortcut is shown to run the warehouse's SQL unchanged.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from service_outcomes.generate import SCALES, generate
from service_outcomes.landing import load_landing
from service_outcomes.landing.contract import load_contracts

from .warehouse import BuiltWarehouse, run_dbt

pytestmark = pytest.mark.e2e

TARGET = "model.service_outcomes.fct_experiment_effects"
SEEDS = range(101, 121)
MIN_COVERED = 16
Z2_BOUNDS = (0.25, 4.0)
EFFECT_COLUMNS = (
    "experiment_id, design, effect_estimate, standard_error, ci_lower, ci_upper, strata_used"
)


@dataclass(frozen=True)
class World:
    seed: int
    truth: dict[str, Any]
    effects: dict[str, tuple[Any, ...]]
    #: Randomised experiments: the strata the estimate used.
    strata_used: dict[str, set[str]]


def _upstream(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Seeds and models the target depends on, in an order that builds each after its inputs."""
    nodes = manifest["nodes"]
    order: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(unique_id: str) -> None:
        if unique_id in seen or unique_id not in nodes:
            return
        seen.add(unique_id)
        node = nodes[unique_id]
        for parent in node.get("depends_on", {}).get("nodes", []):
            visit(parent)
        order.append(node)

    visit(TARGET)
    return order


def _prune_landing(landing: Path, manifest: dict[str, Any]) -> None:
    """Remove the landed feeds no model upstream of the target reads (survey responses, case
    history), so that each world loads only what the experiment marts are built from."""
    nodes = manifest["nodes"]
    sources: set[str] = set()
    pending = [TARGET]
    while pending:
        node = nodes.get(pending.pop()) or {}
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent.startswith("source."):
                source = manifest["sources"][parent]
                sources.add(f"{source['schema']}.{source['identifier']}")
            else:
                pending.append(parent)
    for contract in load_contracts().values():
        if contract.raw_table not in sources:
            shutil.rmtree(landing / contract.source / contract.table, ignore_errors=True)


def _execute(database: Path, template: Path, nodes: list[dict[str, Any]]) -> None:
    """Build the nodes in a loaded world: seeds copied from the template, models from their
    compiled SQL."""
    with duckdb.connect(str(database)) as connection:
        connection.execute("attach ? as template (read_only)", [str(template)])
        for node in nodes:
            relation, schema = node["relation_name"], node["schema"]
            connection.execute(f'create schema if not exists "{schema}"')
            if node["resource_type"] == "seed":
                connection.execute(
                    f"create or replace table {relation} as "
                    f'select * from template."{schema}"."{node["alias"]}"'
                )
            elif node["resource_type"] == "model":
                kind = "view" if node["config"]["materialized"] == "view" else "table"
                connection.execute(
                    f"create or replace {kind} {relation} as {node['compiled_code']}"
                )


def _read(database: Path, seed: int, truth_dir: Path) -> World:
    with duckdb.connect(str(database), read_only=True) as connection:
        effects = {
            row[0]: row
            for row in connection.execute(
                f"select {EFFECT_COLUMNS} from marts_decisions.fct_experiment_effects"
            ).fetchall()
        }
        used = connection.execute(
            """
            with clusters as (
                select experiment_id, stratum, arm, unit_id
                from marts_decisions.fct_experiment_cells
                where period = 'post' and stratum <> ''
                group by all
            ),
            arms as (
                select experiment_id, stratum, arm, count(*) as units from clusters group by all
            )
            select experiment_id, stratum from arms group by all
            having count(*) = 2 and min(units) >= 2
            """
        ).fetchall()
    strata: dict[str, set[str]] = {}
    for experiment_id, stratum in used:
        strata.setdefault(experiment_id, set()).add(stratum)
    truth = json.loads((truth_dir / "experiments.json").read_text(encoding="utf-8"))
    return World(seed, truth, effects, strata)


def _same_effects(left: dict[str, tuple], right: dict[str, tuple]) -> bool:
    """Equal effects, with doubles equal to 1e-9 relative: a parallel sum may add up in
    another order from one run to the next."""

    def same(a: object, b: object) -> bool:
        if isinstance(a, float) and isinstance(b, float):
            return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        return a == b

    return left.keys() == right.keys() and all(
        len(left[key]) == len(right[key]) and all(map(same, left[key], right[key])) for key in left
    )


def true_effect(world: World, experiment_id: str) -> float:
    """The estimand over the strata the estimate used (every treated unit for a DiD)."""
    truth = world.truth[experiment_id]
    strata = world.strata_used.get(experiment_id)
    needs = effect = 0
    for unit_id, unit in truth["units"].items():
        post = unit.get("post")
        if post is None or "needs_with_both_outcomes" not in post:
            continue
        if strata is not None and unit_id.split(":")[0] not in strata:
            continue
        needs += post["needs_with_both_outcomes"]
        effect += post["treated_outcome_sum"] - post["control_outcome_sum"]
    return effect / needs


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[World]]:
    root = tmp_path_factory.mktemp("experiment_worlds")
    first = BuiltWarehouse(
        root=root / "dbt",
        landing=root / "dbt" / "landing",
        truth=root / "dbt" / "truth",
        quarantine=root / "dbt" / "quarantine",
        database=root / "dbt" / "warehouse.duckdb",
    )
    seeds = list(SEEDS)
    generate(SCALES["ci"].with_(seed=seeds[0]), first.landing, first.truth, progress=False)
    load_landing(first.landing, first.database, first.quarantine, progress=False)
    run_dbt(first, "build", "--select", "+fct_experiment_effects", "--exclude-resource-type",
            "test", "unit_test")  # fmt: skip
    manifest = json.loads((first.root / "target" / "manifest.json").read_text(encoding="utf-8"))
    nodes = _upstream(manifest)
    by_dbt = _read(first.database, seeds[0], first.truth)
    out: list[World] = []
    for seed in seeds:
        folder = root / f"seed_{seed}"
        generate(SCALES["ci"].with_(seed=seed), folder / "landing", folder / "truth",
                 progress=False)  # fmt: skip
        # the same file name as the first world: the compiled SQL names its catalog
        database = folder / "warehouse.duckdb"
        _prune_landing(folder / "landing", manifest)
        load_landing(folder / "landing", database, folder / "quarantine", progress=False)
        _execute(database, first.database, nodes)
        world = _read(database, seed, folder / "truth")
        if seed == seeds[0]:
            assert _same_effects(world.effects, by_dbt.effects), (
                "the compiled SQL must reproduce dbt's figures: "
                f"{world.effects} vs {by_dbt.effects}"
            )
        out.append(world)
        shutil.rmtree(folder / "landing", ignore_errors=True)
    yield out


@pytest.mark.parametrize("experiment_id", ["kb_article_fix_2026", "otp_authentication_2026"])
def test_intervals_cover_the_true_effect_at_the_stated_rate(
    worlds: list[World], experiment_id: str
) -> None:
    covered = 0
    z2: list[float] = []
    lines = []
    for world in worlds:
        _, design, estimate, se, lower, upper, _ = world.effects[experiment_id]
        assert estimate is not None and se, f"seed {world.seed}: {experiment_id} not estimated"
        truth = true_effect(world, experiment_id)
        hit = lower <= truth <= upper
        covered += hit
        z2.append(((estimate - truth) / se) ** 2)
        lines.append(
            f"seed {world.seed}: true {truth:+.4f}, estimate {estimate:+.4f} "
            f"[{lower:+.4f}, {upper:+.4f}] {'covers' if hit else 'MISSES'}"
        )
    report = "\n".join(lines)
    assert covered >= MIN_COVERED, (
        f"{experiment_id} ({design}): {covered} of {len(worlds)} intervals cover\n{report}"
    )
    mean_z2 = math.fsum(z2) / len(z2)
    assert Z2_BOUNDS[0] <= mean_z2 <= Z2_BOUNDS[1], (
        f"{experiment_id}: mean squared standardised error {mean_z2:.2f}\n{report}"
    )
