"""Reliability benchmark: load, soak and faults against real servers sharing a real Redis.

    python benchmarks/reliability.py --scenario load [--users 1000] [--concurrency 64]
    python benchmarks/reliability.py --scenario soak [--duration 600] [--swaps 20]
    python benchmarks/reliability.py --scenario faults      # corrupt-swap, redis-restart, server-kill, action-faults
    python benchmarks/reliability.py --scenario all --out benchmarks/results/reliability.json

Two ``bentoml serve`` processes share one append-only redis-server (all on loopback); scripted 5-turn
conversations of the skill (``--skill``, default the bundled ``bank_en``) run interleaved across both.
``action-faults`` runs the test skill ``tests/data/faulty_skill`` on a server of its own. Prints one
JSON object: each scenario's invariants (``ok``, ``problems``), throughput, latency, memory and the
machine's load average. Exits 1 when an invariant failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import scenarios  # noqa: E402
from benchmarks.cluster import Cluster, start_cluster  # noqa: E402
from benchmarks.conversations import SCRIPTS  # noqa: E402
from benchmarks.soak import soak  # noqa: E402

FAULTS = ["corrupt-swap", "redis-restart", "server-kill", "action-faults"]
ORDER = ["load", "soak", *FAULTS]
FAULTY_SKILL = ROOT / "tests" / "data" / "faulty_skill"


def model_for(skill_path: Path, tag: str | None) -> tuple[str, str]:
    """The skill's name and a stored model tag for it (trained and stored first when there is none)."""
    from skills_core.nlu.train import config_for
    from skills_core.runtime.skills import find_model, open_skill, train_and_store

    skill = open_skill(skill_path)
    if tag:
        return skill.name, tag
    found = find_model(skill)
    if found:
        return skill.name, found
    return skill.name, train_and_store(skill, config=config_for(skill, progress=False))[2]


def models_dir() -> Path:
    import bentoml  # noqa: F401  (creates the home)

    return Path(os.environ.get("BENTOML_HOME", "~/bentoml")).expanduser() / "models"


def run(args: argparse.Namespace) -> dict[str, Any]:
    from skills_core.runtime.skills import resolve_skill_path

    wanted = [s for s in ORDER if s in _expand(args.scenario)]
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="skills-reliability-"))
    skill_path = resolve_skill_path(args.skill)
    name, tag = model_for(skill_path, args.model)
    script = SCRIPTS[name]
    query = f"?lock_timeout_s={args.lock_timeout_s:g}&lock_wait_s={min(10.0, args.lock_timeout_s):g}"
    results: dict[str, Any] = {}
    cluster: Cluster | None = None
    try:
        if set(wanted) - {"action-faults"}:
            cluster = start_cluster(
                skill=skill_path,
                tag=tag,
                servers=2,
                workdir=workdir / "cluster",
                models=models_dir(),
                store_query=query,
            )
        for scenario in wanted:
            print(f"== {scenario}", file=sys.stderr, flush=True)
            started, load_before = time.monotonic(), os.getloadavg()[0]
            if scenario == "action-faults":
                result = _action_faults(args, workdir, query)
            else:
                assert cluster is not None
                result = _one(scenario, cluster, script, args)
            result["scenario_wall_s"] = round(time.monotonic() - started, 1)
            result["load_average_1m"] = {
                "before": round(load_before, 2),
                "after": round(os.getloadavg()[0], 2),
            }
            results[scenario] = result
            print(f"   ok={result['ok']} {result['problems'][:3]}", file=sys.stderr, flush=True)
    finally:
        if cluster is not None:
            cluster.close()
    return {"skill": name, "model": tag, "results": results}


def _one(scenario: str, cluster: Cluster, script: Any, args: argparse.Namespace) -> dict[str, Any]:
    fault = {"script": script, "users": args.fault_users, "concurrency": args.concurrency}
    if scenario == "load":
        return scenarios.load(cluster, script=script, users=args.users, concurrency=args.concurrency)
    if scenario == "soak":
        return soak(
            cluster,
            script=script,
            duration_s=args.duration,
            concurrency=args.soak_concurrency,
            window_s=args.window,
            swaps=args.swaps,
        )
    if scenario == "corrupt-swap":
        return scenarios.corrupt_swap(cluster, **fault)
    if scenario == "redis-restart":
        return scenarios.redis_restart(cluster, down_s=args.down_s, **fault)
    return scenarios.server_kill(cluster, supervisor_only=args.supervisor_only, **fault)


def _action_faults(args: argparse.Namespace, workdir: Path, query: str) -> dict[str, Any]:
    name, tag = model_for(FAULTY_SKILL, None)
    cluster = start_cluster(
        skill=FAULTY_SKILL,
        tag=tag,
        servers=1,
        workdir=workdir / "faulty",
        models=models_dir(),
        store_query=query,
    )
    try:
        return scenarios.action_faults(
            cluster, script=SCRIPTS[name], users=args.fault_users, concurrency=args.concurrency
        )
    finally:
        cluster.close()


def _expand(names: list[str]) -> set[str]:
    out: set[str] = set()
    for n in names:
        out |= set(ORDER) if n == "all" else set(FAULTS) if n == "faults" else {n}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario", action="append", choices=[*ORDER, "faults", "all"], help="repeatable; default load"
    )
    parser.add_argument("--skill", default="bank_en", help="bundled skill name or skill path")
    parser.add_argument("--model", default=None, help="model tag (default: the skill's stored model)")
    parser.add_argument("--users", type=int, default=1000, help="load: simulated users (5 turns each)")
    parser.add_argument("--concurrency", type=int, default=64, help="users in flight at once")
    parser.add_argument("--fault-users", type=int, default=200, help="users of each fault scenario")
    parser.add_argument("--duration", type=float, default=600.0, help="soak: seconds of steady load")
    parser.add_argument("--window", type=float, default=60.0, help="soak: seconds per reported window")
    parser.add_argument("--swaps", type=int, default=20, help="soak: model swaps spread over the run")
    parser.add_argument("--soak-concurrency", type=int, default=8, help="soak: users in flight")
    parser.add_argument("--down-s", type=float, default=5.0, help="redis-restart: seconds Redis is down")
    parser.add_argument(
        "--supervisor-only",
        action="store_true",
        help="server-kill: SIGKILL only the bentoml serve process (its workers must stop by themselves)",
    )
    parser.add_argument("--lock-timeout-s", type=float, default=30.0, help="session lock expiry in Redis")
    parser.add_argument("--workdir", default=None, help="logs and Redis data (default: a temp folder)")
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    args.scenario = args.scenario or ["load"]

    load_before = os.getloadavg()
    started = time.monotonic()
    report = run(args)
    report = {
        "benchmark": "reliability",
        **report,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1m": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
        },
        "wall_s": round(time.monotonic() - started, 1),
        "ok": all(r["ok"] for r in report["results"].values()),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
