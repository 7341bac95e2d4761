"""Security scan with checkov: the rendered manifests, the Compose files, the bento's Dockerfile.

Zero failed checks, except the skips of deploy/checkov/skips.yaml, each with its reason.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import DEPLOY, K8S, OVERLAYS, load, merge, run

SKIPS = DEPLOY / "checkov" / "skips.yaml"


def skips(framework: str) -> dict[str, str]:
    return (yaml.safe_load(SKIPS.read_text()) or {}).get(framework) or {}


def scan(checkov: str, *args: str) -> tuple[list[dict[str, Any]], int]:
    """Run checkov offline: its failed checks and how many passed.

    No ``--skip-check`` here: the test compares the failures with the skip list itself, so that a
    skip which no longer matches a finding fails too.
    """
    cmd = [checkov, *args, "--skip-download", "--compact", "--quiet", "-o", "json"]
    env = {**os.environ, "LOG_LEVEL": "ERROR"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
    if done.returncode not in (0, 1):
        pytest.fail(f"checkov exited {done.returncode}: {done.stderr[-3000:]}")
    reports = json.loads(done.stdout or "[]")
    reports = reports if isinstance(reports, list) else [reports]
    failed: list[dict[str, Any]] = []
    passed = 0
    for report in reports:
        if "results" not in report:  # a framework that found nothing to scan
            continue
        if report["summary"].get("parsing_errors"):
            pytest.fail(f"checkov could not parse {report['results'].get('parsing_errors')}")
        failed += report["results"].get("failed_checks") or []
        passed += report["summary"].get("passed", 0)
    return failed, passed


def describe(failed: list[dict[str, Any]]) -> str:
    return "\n".join(f"{f['check_id']} {f['check_name']} ({f['resource']}, {f['file_path']})" for f in failed)


def assert_only_skipped(failed: list[dict[str, Any]], framework: str) -> None:
    allowed = skips(framework)
    unexpected = [f for f in failed if f["check_id"] not in allowed]
    assert not unexpected, "failed checks:\n" + describe(unexpected)
    stale = set(allowed) - {f["check_id"] for f in failed}
    assert not stale, f"{SKIPS.name}: {sorted(stale)} no longer fail; remove the skips"


def test_every_skip_is_justified() -> None:
    for framework, checks in (yaml.safe_load(SKIPS.read_text()) or {}).items():
        for check, reason in checks.items():
            assert len(reason.split()) >= 12, f"{framework}/{check}: give the reason it does not apply"


def test_kubernetes_manifests_pass_checkov(checkov: str, kubectl: str, tmp_path: Path) -> None:
    files = []
    for overlay in OVERLAYS:
        manifest = tmp_path / f"{overlay}.yaml"
        manifest.write_text(run([kubectl, "kustomize", str(K8S / "overlays" / overlay)]))
        files += ["-f", str(manifest)]
    monitoring = tmp_path / "monitoring.yaml"
    monitoring.write_text(run([kubectl, "kustomize", str(DEPLOY / "monitoring")]))
    failed, passed = scan(checkov, "--framework", "kubernetes", *files, "-f", str(monitoring))
    assert passed > 100, f"checkov passed only {passed} checks: did it scan the manifests?"
    assert_only_skipped(failed, "kubernetes")


def test_compose_files_pass_checkov(checkov: str, tmp_path: Path) -> None:
    merged = tmp_path / "compose.merged.yaml"
    merged.write_text(yaml.safe_dump(merge(load(DEPLOY / "compose.yaml"), load(DEPLOY / "compose.gpu.yaml"))))
    args = ["--framework", "yaml", "secrets", "--external-checks-dir", str(DEPLOY / "checkov")]
    failed, passed = scan(checkov, *args, "-f", str(DEPLOY / "compose.yaml"), "-f", str(merged))
    services = len(load(DEPLOY / "compose.yaml")["services"])
    assert passed >= 2 * services * 10, f"only {passed} checks passed: did the compose checks load?"
    assert_only_skipped(failed, "compose")


def test_the_compose_checks_catch_an_insecure_service(checkov: str, tmp_path: Path) -> None:
    bad = tmp_path / "compose.yaml"
    insecure = {
        "image": "app:latest",
        "privileged": True,
        "user": "root",
        "cap_add": ["SYS_ADMIN"],
        "volumes": ["/var/run/docker.sock:/var/run/docker.sock"],
    }
    bad.write_text(yaml.safe_dump({"services": {"app": insecure}}))
    failed, _ = scan(
        checkov, "--framework", "yaml", "--external-checks-dir", str(DEPLOY / "checkov"), "-f", str(bad)
    )
    assert {f["check_id"] for f in failed} == {f"CKV_SKILLS_COMPOSE_{n}" for n in range(1, 11)}


@pytest.mark.slow
def test_the_generated_dockerfiles_pass_checkov(
    checkov: str, bento: Path, containerize_context: Path
) -> None:
    # the bento's Dockerfile, and the one `bentoml containerize` builds with (BuildKit cache mounts)
    files = [bento / "env" / "docker" / "Dockerfile", containerize_context / "env" / "docker" / "Dockerfile"]
    failed, passed = scan(checkov, "--framework", "dockerfile", "-f", str(files[0]), "-f", str(files[1]))
    assert passed > 20, f"checkov passed only {passed} checks: did it scan the Dockerfiles?"
    assert_only_skipped(failed, "dockerfile")
