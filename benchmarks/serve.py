"""Serving benchmark: this server (BentoML, adaptive batching) against a naive baseline, side by side.

    python benchmarks/serve.py [--skill bank_en] [--duration 20] [--clients 1,16,64] [--out serve.json]

The baseline is the same model called once per request from a minimal ASGI app (Starlette + uvicorn,
no batching). Both servers run on loopback at the same time and are measured cell by cell in turn
(same endpoint and client count, one then the other), under closed-loop load from N concurrent
clients (``/analyze``, text analysis plus the parse, on this server only). Prints one JSON object:
throughput, p50/p99 latency and errors per endpoint and client count,
the servers' resident memory, and the issue's targets with whether each is met.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXTS = ["hi", "what is my balance", "send 20 dollars to anna", "I want to pay my credit card bill", "bye"]


def baseline_app() -> Any:
    """The naive server: one model call per request in a thread, no batching (uvicorn --factory)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from skills_core.nlu.store import load_from_store
    from skills_core.runtime.actions import load_actions
    from skills_core.runtime.agent import Agent
    from skills_core.runtime.skills import resolve_skill_path
    from skills_core.spec.loader import load_skill

    if os.environ.get("BENCH_TORCH_THREADS"):
        import torch

        torch.set_num_threads(int(os.environ["BENCH_TORCH_THREADS"]))
    path = resolve_skill_path(os.environ["BENCH_SKILL"])
    agent = Agent(
        skill=load_skill(path), nlu=load_from_store(os.environ["BENCH_MODEL"]), actions=load_actions(path)
    )

    async def parse(request: Request) -> JSONResponse:
        text = (await request.json())["text"]
        result = await run_in_threadpool(agent.nlu.parse, text)
        return JSONResponse(result.model_dump(mode="json"))

    async def chat(request: Request) -> JSONResponse:
        body = await request.json()
        turn = await run_in_threadpool(agent.handle, body["session_id"], body["text"])
        return JSONResponse(turn.to_dict())

    async def ready(_: Request) -> JSONResponse:
        return JSONResponse({})

    return Starlette(
        routes=[
            Route("/parse", parse, methods=["POST"]),
            Route("/chat", chat, methods=["POST"]),
            Route("/readyz", ready),
        ]
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    kind: str,
    *,
    skill: str,
    tag: str,
    home: Path,
    max_latency_ms: int | None,
    threads: int | None,
    runtime: str = "auto",
    workers: int = 1,
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    if kind == "skills":
        env.update(SKILLS_SKILL=skill, SKILLS_MODEL=tag, SKILLS_PLAN_DIR=str(home / "plans"))
        env.update(SKILLS_RUNTIME=runtime, SKILLS_WORKERS=str(workers))
        if max_latency_ms:
            env["SKILLS_MAX_LATENCY_MS"] = str(max_latency_ms)
        if threads:
            env["SKILLS_TORCH_THREADS"] = str(threads)
        cmd = [sys.executable, "-m", "bentoml", "serve", "service:SkillsService", "--host", "127.0.0.1"]
    else:
        env.update(BENCH_SKILL=skill, BENCH_MODEL=tag, BENCH_TORCH_THREADS=str(threads or ""))
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "benchmarks.serve:baseline_app",
            "--host",
            "127.0.0.1",
            "--log-level",
            "warning",
        ]
    log = (home / f"{kind}.log").open("wb")
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{kind} server exited; see {home / (kind + '.log')}")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=5) as answer:
                if answer.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    stop(proc)
    raise SystemExit(f"{kind} server did not become ready; see {home / (kind + '.log')}")


def stop(proc: subprocess.Popen) -> None:
    import signal

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def rss_mb(proc: subprocess.Popen) -> float:
    import psutil

    root = psutil.Process(proc.pid)
    return round(sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]) / 2**20, 1)


async def run_cell(url: str, endpoint: str, clients: int, duration_s: float) -> dict[str, Any]:
    """Closed loop: each client sends its next request when the previous answer arrives."""
    import aiohttp

    latencies: list[float] = []
    errors: dict[str, int] = {}
    start_at = time.perf_counter()
    measure_from = start_at + min(2.0, duration_s / 5)  # warm-up is not counted
    stop_at = measure_from + duration_s

    async def client(c: int, http: aiohttp.ClientSession) -> None:
        i = 0
        while time.perf_counter() < stop_at:
            text = TEXTS[(c + i) % len(TEXTS)]
            body = (
                {"text": text}
                if endpoint in ("/parse", "/analyze")
                else {"session_id": f"b{c}-{i // 20}", "text": text}
            )
            t0 = time.perf_counter()
            try:
                async with http.post(url + endpoint, json=body) as r:
                    await r.read()
                    status = r.status
            except aiohttp.ClientError as e:
                status = type(e).__name__
            t1 = time.perf_counter()
            if t0 >= measure_from and t1 <= stop_at:
                if status == 200:
                    latencies.append(t1 - t0)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1
            i += 1

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as http:
        await asyncio.gather(*(client(c, http) for c in range(clients)))
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "throughput_rps": round(n / duration_s, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if n else None,
        "p99_ms": round(latencies[min(n - 1, int(n * 0.99))] * 1000, 1) if n else None,
    }


def targets(results: dict[str, Any], top: str) -> dict[str, Any]:
    ours, base = results["skills"], results["baseline"]
    ratio = ours["/parse"][top]["throughput_rps"] / max(base["/parse"][top]["throughput_rps"], 1e-9)
    p99 = ours["/parse"][top]["p99_ms"]
    chat_ratio = (ours["/chat"][top]["p99_ms"] or float("inf")) / (p99 or float("inf"))
    errors = sum(cell["errors"] for ep in ("/parse", "/chat") for cell in ours[ep].values())
    return {
        f"parse_throughput_vs_baseline_at_{top}": {
            "value": round(ratio, 2),
            "target": ">= 3",
            "met": ratio >= 3,
        },
        f"parse_p99_ms_at_{top}": {"value": p99, "target": "<= 100", "met": p99 is not None and p99 <= 100},
        "errors": {"value": errors, "target": "0", "met": errors == 0},
        f"chat_p99_over_parse_p99_at_{top}": {
            "value": round(chat_ratio, 2),
            "target": "<= 1.5",
            "met": chat_ratio <= 1.5,
        },
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skill", default="bank_en", help="bundled skill name or skill path")
    parser.add_argument(
        "--model", default=None, help="model tag (default: stored model of the skill, trained)"
    )
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per cell")
    parser.add_argument("--clients", default="1,16,64", help="comma-separated concurrent client counts")
    parser.add_argument("--max-latency-ms", type=int, default=None, help="override SKILLS_MAX_LATENCY_MS")
    parser.add_argument("--torch-threads", type=int, default=None, help="torch threads of both servers")
    parser.add_argument(
        "--runtime",
        default="auto",
        choices=["auto", "torch", "onnx", "onnx-int8"],
        help="this server's encoder runtime (SKILLS_RUNTIME; the baseline always runs torch)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="this server's BentoML workers (SKILLS_WORKERS)"
    )
    parser.add_argument("--only", choices=["skills", "baseline"], default=None, help="run one server only")
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)

    import tempfile

    import torch

    from skills_core.runtime.skills import find_model, open_skill, resolve_skill_path, train_and_store

    skill = open_skill(args.skill)
    tag = args.model or find_model(skill) or train_and_store(skill)[2]
    counts = [int(c) for c in args.clients.split(",")]
    home = Path(tempfile.mkdtemp(prefix="skills-bench-"))
    load_before = os.getloadavg()
    results: dict[str, Any] = {}
    kinds = [args.only] if args.only else ["skills", "baseline"]
    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    try:
        for kind in kinds:
            servers[kind] = start(
                kind,
                skill=str(resolve_skill_path(args.skill)),
                tag=tag,
                home=home,
                max_latency_ms=args.max_latency_ms,
                threads=args.torch_threads,
                runtime=args.runtime,
                workers=args.workers,
            )
        # the baseline has no text analysis: /analyze is measured on this server only
        results = {kind: {"/parse": {}, "/chat": {}} for kind in kinds}
        if "skills" in results:
            results["skills"]["/analyze"] = {}
        # cell by cell, one server then the other: both meet the same background load
        for endpoint in ("/parse", "/chat", "/analyze"):
            for n in counts:
                for kind in (k for k in kinds if endpoint in results[k]):
                    url = servers[kind][1]
                    results[kind][endpoint][str(n)] = asyncio.run(run_cell(url, endpoint, n, args.duration))
        for kind in kinds:
            results[kind]["rss_mb"] = rss_mb(servers[kind][0])
    finally:
        for proc, _ in servers.values():
            stop(proc)
    report = {
        "benchmark": "serve",
        "skill": skill.name,
        "model": tag,
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "cuda": torch.cuda.is_available(),
            # other work on the machine skews every number: the 1-minute load average around the run
            "load_average_1m": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
        },
        "duration_s_per_cell": args.duration,
        "results": results,
        "torch_threads": args.torch_threads or "default",
        "runtime": args.runtime,
        "workers": args.workers,
        "targets": targets(results, str(max(counts))) if len(results) == 2 else None,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return report


if __name__ == "__main__":
    main()
