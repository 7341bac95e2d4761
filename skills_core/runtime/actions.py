"""Loading a skill's Python actions: an ``actions.py`` beside the skill's YAML.

The module defines ``registry = ActionRegistry()`` and registers functions on it (or a function
``register(registry)``). It is the skill author's own code, imported like any Python module.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

from skills_core.dm.actions import ActionRegistry
from skills_core.errors import ConfigError

ACTIONS_FILE = "actions.py"


def load_actions(skill_path: Path) -> ActionRegistry:
    """The registry defined by ``actions.py`` in the skill folder (an empty one when there is none)."""
    folder = skill_path if skill_path.is_dir() else skill_path.parent
    file = folder / ACTIONS_FILE
    if not file.is_file():
        return ActionRegistry()
    name = "skills_actions_" + hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ConfigError(f"expected an importable Python file at {file}; it could not be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        del sys.modules[name]
        raise ConfigError(f"expected {file} to import cleanly; it raised {type(e).__name__}: {e}") from e
    registry = getattr(module, "registry", None)
    if isinstance(registry, ActionRegistry):
        return registry
    register = getattr(module, "register", None)
    if callable(register):
        registry = ActionRegistry()
        register(registry)
        return registry
    raise ConfigError(
        f"expected {file} to define `registry = ActionRegistry()` or `def register(registry)`; found neither. "
        "Fix: add one of them"
    )
