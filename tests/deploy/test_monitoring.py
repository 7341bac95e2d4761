"""Prometheus configuration, alert rules and the Grafana dashboard: valid, tested, on the real metrics."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import DEPLOY, load, merge, run

MONITORING = DEPLOY / "monitoring"
RULE_FILES = ("alerts.yml", "limits-compose.yml", "limits-compose-gpu.yml", "limits-k8s.yml")
DASHBOARD = MONITORING / "grafana" / "dashboards" / "skills.json"
GIB = 2**30


def alert_rules() -> dict[str, dict[str, Any]]:
    groups = load(MONITORING / "alerts.yml")["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"] if "alert" in rule}


def dashboard_queries() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def referenced_metrics(expr: str) -> set[str]:
    """The ``skills_*`` metric families an expression reads (histogram/counter suffixes removed)."""
    names = set(re.findall(r"\bskills_[a-z_]+", expr))
    return {re.sub(r"_(bucket|count|sum)$", "", name) for name in names}


def service_metrics() -> set[str]:
    """The metric families the serving code registers (counters without ``_total``, as Prometheus reads them)."""
    from skills_core.serving.metrics import get_metrics

    metrics = get_metrics()
    names = set()
    for value in vars(metrics).values():
        if hasattr(value, "describe"):
            for family in value.describe():
                names.add(family.name + ("_total" if family.type == "counter" else ""))
    return names


def test_the_rule_files_are_valid(promtool: str) -> None:
    out = run([promtool, "check", "rules", *RULE_FILES], cwd=MONITORING)
    assert out.count("SUCCESS") == len(RULE_FILES)


def test_the_alerts_fire_past_their_thresholds_only(promtool: str) -> None:
    out = run([promtool, "test", "rules", "alerts.test.yml", "alerts.k8s.test.yml"], cwd=MONITORING)
    assert out.count("SUCCESS") == 2


def test_the_three_alerts_of_the_issue_are_there() -> None:
    rules = alert_rules()
    assert set(rules) == {"SkillsHighLatencyP99", "SkillsHighErrorRate", "SkillsMemoryNearLimit"}
    assert "histogram_quantile(0.99" in rules["SkillsHighLatencyP99"]["expr"]
    assert rules["SkillsHighLatencyP99"]["expr"].rstrip().endswith("> 0.5")
    assert rules["SkillsHighErrorRate"]["expr"].rstrip().endswith("> 0.01")
    assert rules["SkillsHighErrorRate"]["for"] == "5m"
    assert rules["SkillsMemoryNearLimit"]["expr"].rstrip().endswith("> 0.8")


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus-k8s.yml"])
def test_the_prometheus_configurations_are_valid(promtool: str, tmp_path: Path, config: str) -> None:
    # the rule files sit elsewhere once mounted: point them at this folder for the check
    document = load(MONITORING / config)
    document["rule_files"] = [str(MONITORING / Path(p).name) for p in document["rule_files"]]
    document["rule_files"] = [p.replace("limits.yml", "limits-compose.yml") for p in document["rule_files"]]
    for job in document["scrape_configs"]:
        # Debian's promtool is built without Kubernetes discovery: check the rest of the job
        if job.pop("kubernetes_sd_configs", None):
            job["static_configs"] = [{"targets": ["pod:3000"]}]
    (tmp_path / config).write_text(yaml.safe_dump(document))
    run([promtool, "check", "config", str(tmp_path / config)])


def test_alerts_and_dashboard_read_metrics_the_service_exports() -> None:
    exported = service_metrics()
    used = set().union(*(referenced_metrics(rule["expr"]) for rule in alert_rules().values()))
    used |= set().union(*(referenced_metrics(q) for q in dashboard_queries()))
    assert used, "expected the alerts and the dashboard to read skills_* metrics"
    assert used <= exported, f"not exported by skills_core/serving/metrics.py: {sorted(used - exported)}"


def test_the_dashboard_queries_are_valid_promql(promtool: str, tmp_path: Path) -> None:
    rules = [
        {"record": f"dashboard:query_{i}", "expr": q.replace("$job", ".*")}
        for i, q in enumerate(dashboard_queries())
    ]
    (tmp_path / "queries.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    run([promtool, "check", "rules", str(tmp_path / "queries.yml")])


def test_the_dashboard_shows_the_alert_thresholds() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    thresholds = {
        step["value"]
        for panel in dashboard["panels"]
        for step in panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps", [])
        if step["value"] is not None
    }
    assert {0.5, 0.01, 0.8} <= thresholds
    assert any(panel["type"] == "alertlist" for panel in dashboard["panels"])
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


@pytest.mark.parametrize(
    "files, limits",
    [
        (("compose.yaml",), "limits-compose.yml"),
        (("compose.yaml", "compose.gpu.yaml"), "limits-compose-gpu.yml"),
    ],
)
def test_the_compose_memory_limit_rule_matches_the_compose_limit(files: tuple[str, ...], limits: str) -> None:
    document = load(DEPLOY / files[0])
    for extra in files[1:]:
        document = merge(document, load(DEPLOY / extra))
    memory = document["services"]["skills"]["deploy"]["resources"]["limits"]["memory"]
    assert memory.endswith("g")
    rule = load(MONITORING / limits)["groups"][0]["rules"][0]
    assert rule["record"] == "skills:memory_limit_bytes"
    assert rule["expr"] == f"vector({int(memory[:-1]) * GIB})"
    mounts = document["services"]["prometheus"]["volumes"]
    assert f"./monitoring/{limits}:/etc/prometheus/limits.yml:ro" in mounts


def test_the_kubernetes_scrape_and_limit_rules_match_the_deployment(rendered, rendered_monitoring) -> None:
    deployment = next(
        o for o in rendered["cpu"] if o["kind"] == "Deployment" and o["metadata"]["name"] == "skills"
    )
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    limits_rule = load(MONITORING / "limits-k8s.yml")["groups"][0]["rules"][0]["expr"]
    assert f'container="{container["name"]}"' in limits_rule
    assert f'namespace="{deployment["metadata"]["namespace"]}"' in limits_rule
    scrape = load(MONITORING / "prometheus-k8s.yml")["scrape_configs"][0]
    assert scrape["kubernetes_sd_configs"][0]["namespaces"]["names"] == [deployment["metadata"]["namespace"]]
    keep = {
        tuple(r["source_labels"]): r["regex"] for r in scrape["relabel_configs"] if r.get("action") == "keep"
    }
    labels = pod["metadata"]["labels"]
    assert (
        keep[
            (
                "__meta_kubernetes_pod_label_app_kubernetes_io_name",
                "__meta_kubernetes_pod_label_app_kubernetes_io_component",
            )
        ]
        == f"{labels['app.kubernetes.io/name']};{labels['app.kubernetes.io/component']}"
    )
    assert keep[("__meta_kubernetes_pod_container_port_name",)] in {p["name"] for p in container["ports"]}
    configmaps = {o["metadata"]["name"]: o for o in rendered_monitoring if o["kind"] == "ConfigMap"}
    assert set(configmaps["skills-prometheus"]["data"]) == {"prometheus.yml", "alerts.yml", "limits.yml"}
    assert configmaps["skills-grafana-dashboard"]["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(configmaps["skills-grafana-dashboard"]["data"]["skills.json"])["uid"] == "skills-api"


def test_grafana_provisioning_points_at_the_mounted_dashboards() -> None:
    grafana = load(DEPLOY / "compose.yaml")["services"]["grafana"]
    provider = load(MONITORING / "grafana" / "provisioning" / "dashboards" / "skills.yml")["providers"][0]
    mounts = dict(v.rsplit(":", 2)[:2] for v in grafana["volumes"] if v.startswith("./"))
    assert mounts["./monitoring/grafana/dashboards"] == provider["options"]["path"]
    datasource = load(MONITORING / "grafana" / "provisioning" / "datasources" / "prometheus.yml")[
        "datasources"
    ][0]
    assert datasource["url"] == "http://prometheus:9090" and datasource["type"] == "prometheus"
