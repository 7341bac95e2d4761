"""Checkov checks for Docker Compose files (checkov has no Compose framework of its own).

Loaded with ``checkov --framework yaml --external-checks-dir deploy/checkov -f deploy/compose.yaml``;
each check runs once per entry of ``services`` and mirrors a Kubernetes check of the same intent
(capabilities, privilege escalation, read-only root, non-root user, limits, probes, pinned images).
"""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.yaml_doc.base_yaml_check import BaseYamlCheck
from checkov.yaml_doc.enums import BlockType

_ROOT_USERS = {"", "0", "root"}


class ComposeServiceCheck(BaseYamlCheck):
    """A check on one service of a Compose file."""

    def __init__(self, *, name: str, id: str, categories: tuple[CheckCategories, ...]) -> None:
        super().__init__(
            name=name,
            id=id,
            categories=categories,
            block_type=BlockType.ARRAY,
            supported_entities=("services",),
        )

    def scan_entity_conf(self, conf: dict[str, Any], entity_type: str) -> tuple[CheckResult, dict[str, Any]]:
        if not isinstance(conf, dict):
            return CheckResult.UNKNOWN, conf
        return (CheckResult.PASSED if self.passes(conf) else CheckResult.FAILED), conf

    @abstractmethod
    def passes(self, service: dict[str, Any]) -> bool:
        """Whether ``service`` (one entry of ``services``) meets the check."""


class DropsAllCapabilities(ComposeServiceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Compose service drops all Linux capabilities (cap_drop: [ALL]) and adds none",
            id="CKV_SKILLS_COMPOSE_1",
            categories=(CheckCategories.GENERAL_SECURITY,),
        )

    def passes(self, service: dict[str, Any]) -> bool:
        dropped = {str(c).upper() for c in service.get("cap_drop") or []}
        return "ALL" in dropped and not service.get("cap_add")


class NoNewPrivileges(ComposeServiceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Compose service forbids privilege escalation (security_opt no-new-privileges:true)",
            id="CKV_SKILLS_COMPOSE_2",
            categories=(CheckCategories.GENERAL_SECURITY,),
        )

    def passes(self, service: dict[str, Any]) -> bool:
        opts = {str(o).replace("=", ":").replace(" ", "") for o in service.get("security_opt") or []}
        return bool(opts & {"no-new-privileges:true", "no-new-privileges"})


class ReadOnlyRoot(ComposeServiceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Compose service has a read-only root filesystem (read_only: true)",
            id="CKV_SKILLS_COMPOSE_3",
            categories=(CheckCategories.GENERAL_SECURITY,),
        )

    def passes(self, service: dict[str, Any]) -> bool:
        return service.get("read_only") is True


class NonRootUser(ComposeServiceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Compose service runs as an explicit non-root user",
            id="CKV_SKILLS_COMPOSE_4",
            categories=(CheckCategories.IAM,),
        )

    def passes(self, service: dict[str, Any]) -> bool:
        user = str(service.get("user", "")).split(":")[0].strip()
        return user not in _ROOT_USERS


class NotPrivilegedNorHostNamespaces(ComposeServiceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Compose service is not privileged and shares no host namespace (network, pid, ipc)",
            id="CKV_SKILLS_COMPOSE_5",
            categories=(CheckCategories.GENERAL_SECURITY,),
        )

    def passes(self, service: dict[str, Any]) -> bool:
        host = [service.get(key) == "host" for key in ("network_mode", "pid", "ipc", "userns_mode")]
        return service.get("privileged") is not True and not any(host)


class ResourceLimits(ComposeServiceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Compose service has CPU and memory limits and reservations (deploy.resources)",
            id="CKV_SKILLS_COMPOSE_6",
            categories=(CheckCategories.GENERAL_SECURITY,),
        )

    def passes(self, service: dict[str, Any]) -> bool:
        resources = (service.get("deploy") or {}).get("resources") or {}
        limits, reservations = resources.get("limits") or {}, resources.get("reservations") or {}
        return all(limits.get(k) for k in ("cpus", "memory")) and bool(reservations.get("memory"))


class HasHealthcheck(ComposeServiceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Compose service has an enabled healthcheck",
            id="CKV_SKILLS_COMPOSE_7",
            categories=(CheckCategories.GENERAL_SECURITY,),
        )

    def passes(self, service: dict[str, Any]) -> bool:
        check = service.get("healthcheck") or {}
        test = check.get("test")
        return bool(test) and not check.get("disable") and test != ["NONE"]


class RestartPolicy(ComposeServiceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Compose service restarts on failure (restart: always, unless-stopped or on-failure)",
            id="CKV_SKILLS_COMPOSE_8",
            categories=(CheckCategories.GENERAL_SECURITY,),
        )

    def passes(self, service: dict[str, Any]) -> bool:
        restart = str(service.get("restart", "no"))
        return restart in {"always", "unless-stopped"} or restart.startswith("on-failure")


class PinnedImage(ComposeServiceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Compose service image is pinned to a version tag or digest (not latest, not bare)",
            id="CKV_SKILLS_COMPOSE_9",
            categories=(CheckCategories.SUPPLY_CHAIN,),
        )

    def passes(self, service: dict[str, Any]) -> bool:
        image = str(service.get("image", ""))
        # ${VAR:-default} / ${VAR-default}: judge the default, which is what runs unset
        default = re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.+)\}", image)
        image = default.group(1) if default else image
        if "@sha256:" in image:
            return True
        name, _, tag = image.rpartition(":")
        return bool(name) and "/" not in tag and tag not in {"", "latest"}


class NoDockerSocket(ComposeServiceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Compose service does not mount the Docker socket",
            id="CKV_SKILLS_COMPOSE_10",
            categories=(CheckCategories.GENERAL_SECURITY,),
        )

    def passes(self, service: dict[str, Any]) -> bool:
        for volume in service.get("volumes") or []:
            source = volume.get("source", "") if isinstance(volume, dict) else str(volume).split(":")[0]
            if str(source).endswith("docker.sock"):
                return False
        return True


CHECKS = (
    DropsAllCapabilities(),
    NoNewPrivileges(),
    ReadOnlyRoot(),
    NonRootUser(),
    NotPrivilegedNorHostNamespaces(),
    ResourceLimits(),
    HasHealthcheck(),
    RestartPolicy(),
    PinnedImage(),
    NoDockerSocket(),
)
