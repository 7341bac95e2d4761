"""Export a trained skill: the BentoML model store, a Bento build, and the commands that ship it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from skills_core.errors import ConfigError


@dataclass(frozen=True)
class StoredModel:
    """A model version in the BentoML model store."""

    tag: str
    path: str
    labels: dict[str, str]
    created: str


def bentoml_home() -> Path:
    """The BentoML home models and bentos are written to (``$BENTOML_HOME`` or ``~/bentoml``)."""
    return Path(os.environ.get("BENTOML_HOME", Path.home() / "bentoml")).expanduser()


def stored_models(name: str) -> list[StoredModel]:
    """The versions of one model in the store, newest first (none: an empty list)."""
    import bentoml
    from bentoml.exceptions import NotFound

    try:
        models = bentoml.models.list(name)
    except NotFound:
        return []
    rows = [
        StoredModel(
            tag=str(m.tag),
            path=str(m.path),
            labels=dict(m.info.labels),
            created=m.info.creation_time.isoformat(timespec="seconds") if m.info.creation_time else "",
        )
        for m in models
    ]
    return sorted(rows, key=lambda m: m.created, reverse=True)


def build_bento(
    project_dir: Path | str, *, bentofile: str = "bentofile.yaml", version: str | None = None
) -> str:
    """``bentoml build`` in ``project_dir``: package the service and its models; returns the Bento tag.

    Raises:
        ConfigError: there is no bentofile, or the build fails (the message says why).
    """
    import bentoml
    from bentoml.exceptions import BentoMLException

    root = Path(project_dir).resolve()
    spec = root / bentofile
    if not spec.is_file():
        raise ConfigError(
            f"expected a BentoML build file at {spec}; found none. Fix: run from the repository root, "
            "which holds bentofile.yaml, or pass project_dir="
        )
    try:
        bento = bentoml.bentos.build_bentofile(str(spec), build_ctx=str(root), version=version)
    except BentoMLException as e:
        raise ConfigError(
            f"expected `bentoml build` to succeed in {root}; it failed: {e}. Fix: store every model the "
            f"bentofile lists under `models:` first (e.g. `skills train bank_en`), then build again"
        ) from e
    return str(bento.tag)


@dataclass(frozen=True)
class Command:
    """A shell command and what it does."""

    title: str
    command: str


def deployment_commands(*, model_tag: str, bento: str | None = None) -> list[Command]:
    """How to serve, containerise and deploy the exported skill (the Bento if built, else the source).

    Args:
        model_tag: the stored model's tag.
        bento: the built Bento's tag, when there is one.
    """
    target = bento or "."
    image = bento or "<bento tag>"  # containerize names the image after the Bento
    commands = [
        Command("list the stored model", f"bentoml models get {model_tag}"),
        Command("copy the model to another machine", f"bentoml models export {model_tag} ./model.bentomodel"),
    ]
    if bento is None:
        commands.append(Command("build the Bento (from the repository root)", "bentoml build"))
    commands += [
        Command("serve it locally on port 3000", f"bentoml serve {target}"),
        Command("build a container image", f"bentoml containerize {image}"),
        Command("run the container", f"docker run --rm -p 3000:3000 {image}"),
        Command("with Redis for sessions (Docker Compose)", "docker compose -f deploy/compose.yaml up -d"),
        Command("on Kubernetes (CPU overlay)", "kubectl apply -k deploy/k8s/overlays/cpu"),
        Command("on BentoCloud", f"bentoml deploy {bento or '.'}"),
    ]
    return commands


def commands_markdown(commands: list[Command]) -> str:
    """The commands as a Markdown list with code spans."""
    return "\n".join(f"- {c.title}: `{c.command}`" for c in commands)
