"""The Kubernetes overlays: rendered by kustomize, valid against the schemas, and what the issue asks."""

from __future__ import annotations

from typing import Any

import pytest
from deploy_support import OVERLAYS, REPO

# the oldest Kubernetes the manifests support (preStop `sleep` needs 1.30) and the newest schemas
K8S_VERSIONS = ("1.30.0", "1.37.0")


def one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"].startswith(name)]
    assert len(found) == 1, (
        f"expected one {kind} named {name}*; found {[o['metadata']['name'] for o in found]}"
    )
    return found[0]


def api_container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return one(objects, "Deployment", "skills")["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_against_the_kubernetes_schema(rendered, overlay: str, version: str) -> None:
    import kubernetes_validate

    errors = []
    for obj in rendered[overlay]:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {e.message} at {list(e.path)}")
    assert not errors, "\n".join(errors)


def test_the_schema_validation_can_fail() -> None:
    import kubernetes_validate

    broken = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"replicas": "2"},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSIONS[-1], strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_overlay_holds_every_required_object(rendered, overlay: str) -> None:
    kinds = {(o["kind"], o["metadata"]["name"]) for o in rendered[overlay]}
    for kind, name in [
        ("Namespace", "skills"),
        ("ServiceAccount", "skills"),
        ("Role", "skills"),
        ("RoleBinding", "skills"),
        ("Deployment", "skills"),
        ("Service", "skills"),
        ("HorizontalPodAutoscaler", "skills"),
        ("PodDisruptionBudget", "skills"),
        ("NetworkPolicy", "skills-api"),
        ("NetworkPolicy", "default-deny"),
        ("StatefulSet", "skills-redis"),
        ("Service", "skills-redis"),
    ]:
        assert (kind, name) in kinds, f"{overlay}: expected {kind}/{name}; found {sorted(kinds)}"
    assert all(o["metadata"].get("namespace", "skills") == "skills" for o in rendered[overlay])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_deployment_rolls_without_losing_capacity(rendered, overlay: str) -> None:
    spec = one(rendered[overlay], "Deployment", "skills")["spec"]
    assert spec["replicas"] >= 2
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = spec["template"]["spec"]
    zones = [c for c in pod["topologySpreadConstraints"] if c["topologyKey"] == "topology.kubernetes.io/zone"]
    assert zones and zones[0]["labelSelector"]["matchLabels"] == spec["selector"]["matchLabels"]
    container = pod["containers"][0]
    assert container["lifecycle"]["preStop"]["sleep"]["seconds"] < pod["terminationGracePeriodSeconds"]
    for probe, path in [
        ("startupProbe", "/livez"),
        ("livenessProbe", "/livez"),
        ("readinessProbe", "/readyz"),
    ]:
        assert container[probe]["httpGet"]["path"] == path
    assert (
        {"cpu", "memory"} <= set(container["resources"]["requests"]) <= set(container["resources"]["limits"])
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_are_non_root_read_only_without_capabilities(rendered, overlay: str) -> None:
    for kind, name in [("Deployment", "skills"), ("StatefulSet", "skills-redis")]:
        pod = one(rendered[overlay], kind, name)["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        for container in pod["containers"]:
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"]["drop"] == ["ALL"] and "add" not in sc["capabilities"]
            assert sc["seccompProfile"]["type"] == "RuntimeDefault"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_tokens_come_from_a_secret_file_and_the_config_from_the_configmap(rendered, overlay: str) -> None:
    container = api_container(rendered[overlay])
    pod = one(rendered[overlay], "Deployment", "skills")["spec"]["template"]["spec"]
    # no token in the environment: the Secret is a file that SKILLS_CONFIG names
    assert not [e for e in container.get("env", []) if "TOKEN" in e["name"]]
    tokens = next(v for v in pod["volumes"] if v["name"] == "tokens")["secret"]
    assert tokens["secretName"] == "skills-tokens" and tokens["items"] == [
        {"key": "config.yaml", "path": "config.yaml"}
    ]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "tokens")
    assert mount["readOnly"] is True
    config = one(rendered[overlay], "ConfigMap", "skills-config")
    assert config["data"]["SKILLS_CONFIG"] == f"{mount['mountPath']}/config.yaml"
    assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]
    assert config["data"]["SKILLS_STORE_URL"] == "redis://skills-redis:6379/0"
    assert config["data"]["SKILLS_DEVICE"] == {"cpu": "cpu", "gpu": "cuda"}[overlay]
    # the Role names the generated (hashed) ConfigMap, and nothing else
    rules = one(rendered[overlay], "Role", "skills")["rules"]
    assert rules == [
        {
            "apiGroups": [""],
            "resources": ["configmaps"],
            "resourceNames": [config["metadata"]["name"]],
            "verbs": ["get"],
        }
    ]


def test_the_gpu_overlay_asks_for_one_gpu_and_tolerates_gpu_nodes(rendered) -> None:
    gpu, cpu = api_container(rendered["gpu"]), api_container(rendered["cpu"])
    assert gpu["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert "nvidia.com/gpu" not in cpu["resources"]["limits"]
    pod = one(rendered["gpu"], "Deployment", "skills")["spec"]["template"]["spec"]
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
    assert gpu["image"] == cpu["image"], "one CUDA-ready image serves both overlays"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_autoscaler_and_the_disruption_budget(rendered, overlay: str) -> None:
    hpa = one(rendered[overlay], "HorizontalPodAutoscaler", "skills")["spec"]
    assert hpa["minReplicas"] == 2 and 2 < hpa["maxReplicas"] <= 10
    assert hpa["metrics"] == [
        {
            "type": "Resource",
            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
        }
    ]
    assert hpa["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 60
    pdb = one(rendered[overlay], "PodDisruptionBudget", "skills")["spec"]
    deployment = one(rendered[overlay], "Deployment", "skills")["spec"]
    assert pdb["selector"] == deployment["selector"] and 0 < pdb["minAvailable"] < hpa["minReplicas"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_admit_only_ingress_monitoring_redis_and_dns(rendered, overlay: str) -> None:
    policy = one(rendered[overlay], "NetworkPolicy", "skills-api")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    sources = sorted(
        r["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for r in policy["ingress"]
    )
    assert sources == ["ingress-nginx", "monitoring"]
    assert all(r["ports"] == [{"port": "http", "protocol": "TCP"}] for r in policy["ingress"])
    egress_ports = sorted((p["port"], p["protocol"]) for r in policy["egress"] for p in r["ports"])
    assert egress_ports == [(53, "TCP"), (53, "UDP"), (6379, "TCP")]
    deny = one(rendered[overlay], "NetworkPolicy", "default-deny")["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_redis_persists_on_a_volume(rendered, overlay: str) -> None:
    sts = one(rendered[overlay], "StatefulSet", "skills-redis")["spec"]
    args = sts["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--appendonly") + 1] == "yes"
    assert sts["volumeClaimTemplates"][0]["metadata"]["name"] == "data"


def test_the_image_tag_is_the_project_version(rendered) -> None:
    import tomllib

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert api_container(rendered["cpu"])["image"] == f"skills:{version}"
