"""The Compose files: valid against the compose specification, in step with the Kubernetes manifests."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from deploy_support import DEPLOY, load, merge

COMPOSE = DEPLOY / "compose.yaml"
GPU = DEPLOY / "compose.gpu.yaml"


def compose_schema() -> dict[str, Any]:
    """The compose specification's JSON schema, as vendored by check-jsonschema."""
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / "compose-spec.json").read_text())


@pytest.fixture(scope="module")
def validator():
    from jsonschema import validators

    schema = compose_schema()
    return validators.validator_for(schema)(schema)


@pytest.mark.parametrize(
    "name, document",
    [
        ("compose.yaml", lambda: load(COMPOSE)),
        ("compose.gpu.yaml", lambda: load(GPU)),
        ("compose.yaml + compose.gpu.yaml", lambda: merge(load(COMPOSE), load(GPU))),
    ],
)
def test_compose_files_follow_the_compose_specification(validator, name: str, document) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document())
    ]
    assert not errors, f"{name}:\n" + "\n".join(errors)


def test_the_specification_check_can_fail(validator) -> None:
    broken = load(COMPOSE)
    broken["services"]["skills"]["healthcheck"]["intervall"] = "5s"
    broken["services"]["redis"]["deploy"]["resources"]["limits"]["memory"] = ["512m"]
    assert len(list(validator.iter_errors(broken))) >= 2


def test_the_service_is_probed_on_readyz_and_waits_for_a_healthy_redis() -> None:
    services = load(COMPOSE)["services"]
    skills = services["skills"]
    assert "http://127.0.0.1:3000/readyz" in " ".join(skills["healthcheck"]["test"])
    assert skills["depends_on"] == {"redis": {"condition": "service_healthy"}}
    assert skills["environment"]["SKILLS_STORE_URL"] == "redis://redis:6379/0"
    assert all(s["restart"] == "unless-stopped" for s in services.values())
    assert all(s.get("healthcheck", {}).get("test") for s in services.values())


def test_redis_persists_to_a_named_volume() -> None:
    document = load(COMPOSE)
    redis = document["services"]["redis"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert "redis-data:/data" in redis["volumes"] and "redis-data" in document["volumes"]


def test_tokens_are_required_not_written_down() -> None:
    env = load(COMPOSE)["services"]["skills"]["environment"]
    assert env["SKILLS_API_TOKEN"].startswith("${SKILLS_API_TOKEN:?"), "the API token must be required"
    # no admin token: the admin endpoints are off (403), never open
    assert env["SKILLS_ADMIN_TOKEN"] == "${SKILLS_ADMIN_TOKEN:-}"


def _bytes(quantity: str) -> int:
    units = {"k": 2**10, "m": 2**20, "g": 2**30, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix in sorted(units, key=len, reverse=True):
        if quantity.endswith(suffix):
            return int(float(quantity[: -len(suffix)]) * units[suffix])
    return int(quantity)


@pytest.mark.parametrize(
    "overlay, files",
    [("cpu", (COMPOSE,)), ("gpu", (COMPOSE, GPU))],
)
def test_limits_match_the_kubernetes_overlay(rendered, overlay: str, files) -> None:
    document = load(files[0])
    for extra in files[1:]:
        document = merge(document, load(extra))
    resources_ = document["services"]["skills"]["deploy"]["resources"]
    deployment = next(
        o for o in rendered[overlay] if o["kind"] == "Deployment" and o["metadata"]["name"] == "skills"
    )
    k8s = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert float(resources_["limits"]["cpus"]) == float(k8s["limits"]["cpu"])
    assert _bytes(resources_["limits"]["memory"]) == _bytes(k8s["limits"]["memory"])
    assert _bytes(resources_["reservations"]["memory"]) == _bytes(k8s["requests"]["memory"])


def test_the_gpu_variant_reserves_one_nvidia_gpu() -> None:
    skills = merge(load(COMPOSE), load(GPU))["services"]["skills"]
    devices = skills["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    assert skills["environment"]["SKILLS_DEVICE"] == "cuda"
    assert "devices" not in load(COMPOSE)["services"]["skills"]["deploy"]["resources"]["reservations"]


def test_monitoring_is_optional_and_mounts_files_that_exist() -> None:
    services = load(COMPOSE)["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"]
        for volume in services[name]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), f"{name} mounts {source}, which is missing"
