"""Save NLU artifacts to, and load them from, the BentoML model store (``$BENTOML_HOME/models``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skills_core.errors import ArtifactError
from skills_core.nlu.model import NLU

MODEL_PREFIX = "skills-"


def model_name(skill_name: str) -> str:
    """A valid BentoML model name for a skill: ``skills-<name>`` in lower case."""
    slug = re.sub(r"[^a-z0-9_.-]+", "-", skill_name.lower()).strip("-.") or "skill"
    return f"{MODEL_PREFIX}{slug}"


def save_to_store(
    nlu: NLU,
    *,
    name: str | None = None,
    labels: dict[str, str] | None = None,
    extra: Callable[[Path], None] | None = None,
) -> str:
    """Write ``nlu`` as a new version in the model store and return its tag (``name:version``).

    Args:
        extra: writes more files into the model's directory (e.g. the skill's analysers) before the
            version is sealed, so they are stored, copied and deleted with the model.
    """
    import bentoml

    name = name or model_name(nlu.meta.skill_name or "skill")
    summary = nlu.meta.metrics.get("training", {})
    metadata: dict[str, Any] = {
        "skill": nlu.meta.skill_name,
        "skill_hash": nlu.meta.skill_hash,
        "language": nlu.meta.language,
        "mode": nlu.meta.config.mode,
        "encoder": nlu.meta.config.resolved_encoder(nlu.meta.language),
        "intents": len(nlu.intents),
        "threshold": nlu.meta.threshold,
        "validation": summary.get("validation", {}),
    }
    with bentoml.models.create(
        name, labels={"framework": "skills", **(labels or {})}, metadata=metadata, module="skills_core.nlu"
    ) as bento_model:
        # the store's tag becomes the model version reported in every Parse
        nlu.meta.version = str(bento_model.tag)
        nlu.save(Path(bento_model.path))
        if extra is not None:
            extra(Path(bento_model.path))
        return str(bento_model.tag)


def store_path(tag: str) -> Path:
    """The directory of a stored model (``name`` alone means its latest version)."""
    import bentoml
    from bentoml.exceptions import BentoMLException, NotFound

    try:
        return Path(bentoml.models.get(tag).path)
    except NotFound as e:
        known = sorted(str(m.tag) for m in bentoml.models.list() if str(m.tag).startswith(MODEL_PREFIX))
        raise ArtifactError(
            f"expected model {tag!r} in the BentoML model store; it is not there. Known: "
            f"{', '.join(known) or 'none'}. Fix: run `skills train` or `bentoml models list`"
        ) from e
    except (BentoMLException, ValueError) as e:  # BentoML refuses a malformed tag with ValueError
        raise ArtifactError(
            f"expected a valid model tag like 'skills-bank:latest'; found {tag!r} ({e})"
        ) from e


def load_from_store(tag: str, *, device: str = "auto") -> NLU:
    """Load a stored NLU by tag (``skills-bank_en:latest`` or an exact version)."""
    return NLU.load(store_path(tag), device=device)
