"""Every path and port that a manifest probes or scrapes is one the service really answers.

Sources: the Kubernetes probes and scrape annotations, the Compose healthcheck, the image's
HEALTHCHECK and the Prometheus scrape configurations. The ports are checked against the service's
configuration; the paths against a real ``bentoml serve`` of the service (with an API token set:
probes and scrapes carry none).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import httpx
import pytest
from deploy_support import DEPLOY, OVERLAYS, REPO, load

URL = re.compile(r"http://127\.0\.0\.1:(\d+)(/[\w/-]*)")
BENTOML_DEFAULT_PORT = 3000


def probed(rendered) -> set[tuple[str, str, int]]:
    """(where, path, port) of every HTTP probe, healthcheck and scrape in the deployment files."""
    found: set[tuple[str, str, int]] = set()
    for overlay in OVERLAYS:
        for obj in rendered[overlay]:
            if obj["kind"] not in ("Deployment", "StatefulSet"):
                continue
            template = obj["spec"]["template"]
            for container in template["spec"]["containers"]:
                ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
                for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                    get = container.get(probe, {}).get("httpGet")
                    if get:
                        port = ports.get(get["port"], get["port"])
                        found.add(
                            (f"k8s/{overlay} {obj['metadata']['name']} {probe}", get["path"], int(port))
                        )
            notes = template["metadata"].get("annotations", {})
            if notes.get("prometheus.io/scrape") == "true":
                found.add(
                    (
                        f"k8s/{overlay} scrape annotations",
                        notes["prometheus.io/path"],
                        int(notes["prometheus.io/port"]),
                    )
                )
    test = " ".join(load(DEPLOY / "compose.yaml")["services"]["skills"]["healthcheck"]["test"])
    found |= {("compose healthcheck", path, int(port)) for port, path in URL.findall(test)}
    template = (DEPLOY / "bento" / "Dockerfile.template").read_text()
    healthcheck = template[template.index("HEALTHCHECK") :]
    found |= {("image HEALTHCHECK", path, int(port)) for port, path in URL.findall(healthcheck)}
    compose_scrape = load(DEPLOY / "monitoring" / "prometheus.yml")["scrape_configs"][0]
    for target in compose_scrape["static_configs"][0]["targets"]:
        found.add(("prometheus (compose)", compose_scrape["metrics_path"], int(target.rsplit(":", 1)[1])))
    k8s_scrape = load(DEPLOY / "monitoring" / "prometheus-k8s.yml")["scrape_configs"][0]
    deployment = next(o for o in rendered["cpu"] if o["kind"] == "Deployment")
    ports = {
        p["name"]: p["containerPort"]
        for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
    }
    port_name = next(
        r["regex"]
        for r in k8s_scrape["relabel_configs"]
        if r["source_labels"] == ["__meta_kubernetes_pod_container_port_name"]
    )
    found.add(("prometheus (k8s)", k8s_scrape["metrics_path"], ports[port_name]))
    return found


def service_port() -> int:
    from skills_core.serving.service import SkillsService

    return int(SkillsService.config.get("http", {}).get("port", BENTOML_DEFAULT_PORT))


def test_every_probe_and_scrape_targets_the_service_port(rendered) -> None:
    found = probed(rendered)
    assert {where.split()[0] for where, _, _ in found} >= {
        "k8s/cpu",
        "k8s/gpu",
        "compose",
        "image",
        "prometheus",
    }
    port = service_port()
    wrong = sorted((where, p) for where, _, p in found if p != port)
    assert not wrong, f"the service listens on {port}; these probe another port: {wrong}"
    compose_ports = load(DEPLOY / "compose.yaml")["services"]["skills"]["ports"]
    assert all(p.rsplit(":", 1)[1] == str(port) for p in compose_ports)


@pytest.mark.slow
def test_the_service_answers_every_probed_path(rendered, tmp_path_factory: pytest.TempPathFactory) -> None:
    # the serving tests' real-server helper, the runtime tests' tiny models
    for helpers in ("runtime", "serving"):
        if str(REPO / "tests" / helpers) not in sys.path:
            sys.path.insert(0, str(REPO / "tests" / helpers))
    try:
        from runtime_support import TINY, tiny_model_tags
        from serving_support import Server
    except ImportError as e:  # the serving tests' helpers moved: say so, do not pass silently
        pytest.fail(f"expected tests/serving/serving_support.Server and tests/runtime helpers: {e}")

    paths = sorted({path for _, path, _ in probed(rendered)})
    assert {"/livez", "/readyz", "/metrics"} <= set(paths)
    (tag,) = tiny_model_tags(1)
    models = Path(os.environ["BENTOML_HOME"]) / "models"
    env = {"SKILLS_SKILL": str(TINY), "SKILLS_MODEL": tag, "SKILLS_API_TOKEN": "probe-test-token"}
    server = Server(env, tmp_path_factory.mktemp("probe-server"), models=models).start()
    try:
        answers = {path: httpx.get(server.url + path, timeout=10) for path in paths}
        # a path the service does not serve fails a probe (401 without a token, 404 with one)
        missing = httpx.get(server.url + "/no-such-probe", timeout=10)
        missing_with_token = httpx.get(
            server.url + "/no-such-probe", headers={"Authorization": "Bearer probe-test-token"}, timeout=10
        )
    finally:
        server.stop()
    assert missing.status_code != 200 and missing_with_token.status_code == 404
    wrong = {path: (r.status_code, r.text[:200]) for path, r in answers.items() if r.status_code != 200}
    assert not wrong, f"probed paths the service does not answer with 200 (no token sent): {wrong}"
    assert "skills_process_resident_memory_bytes" in answers["/metrics"].text


def interpolate(value: str) -> str:
    """A Compose value with its ``${VAR:-default}`` defaults (a stand-in for required ones)."""
    value = re.sub(r"\$\{[A-Z_]+:?-([^}]*)\}", r"\1", str(value))
    return re.sub(r"\$\{[A-Z_]+:\?[^}]*\}", "stand-in", value)


def deployment_settings(rendered) -> dict[str, dict[str, str]]:
    """Every SKILLS_* setting each deployment gives the service."""
    settings = {}
    for overlay in OVERLAYS:
        config = next(
            o
            for o in rendered[overlay]
            if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("skills-config")
        )
        settings[f"k8s/{overlay}"] = dict(config["data"])
    compose = load(DEPLOY / "compose.yaml")["services"]["skills"]["environment"]
    gpu = load(DEPLOY / "compose.gpu.yaml")["services"]["skills"]["environment"]
    settings["compose"] = {k: interpolate(v) for k, v in compose.items()}
    settings["compose.gpu"] = {**settings["compose"], **{k: interpolate(v) for k, v in gpu.items()}}
    bentofile = load(REPO / "bentofile.yaml")
    settings["bentofile"] = {e["name"]: str(e["value"]) for e in bentofile["envs"]}
    return {
        where: {k: v for k, v in env.items() if k.startswith("SKILLS_")} for where, env in settings.items()
    }


def test_every_setting_is_one_the_service_reads_with_a_valid_value(rendered) -> None:
    from skills_core.serving.config import CONFIG_ENV, ENV_PREFIX, ServeConfig

    known = {ENV_PREFIX + name.upper() for name in ServeConfig.model_fields} | {CONFIG_ENV}
    for where, env in deployment_settings(rendered).items():
        assert set(env) <= known, f"{where}: the service reads no {sorted(set(env) - known)}"
        # the file SKILLS_CONFIG names is a mounted Secret, not here: check the variables alone
        ServeConfig.load({k: v for k, v in env.items() if k != CONFIG_ENV})
    assert set(ServeConfig.model_fields) >= {"api_token", "admin_token"}, (
        "the tokens file keys (deploy/README.md)"
    )
