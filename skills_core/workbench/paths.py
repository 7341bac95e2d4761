"""Where a notebook's relative paths point: the project root, found from the working directory."""

from __future__ import annotations

from pathlib import Path

import skills_core
from skills_core.errors import ConfigError
from skills_core.runtime.skills import bundled_skills, resolve_skill_path

_MARKER = "pyproject.toml"


def project_root(start: Path | str | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the working directory) holding the project.

    A folder holds the project when it has ``pyproject.toml`` and the ``skills_core`` package. Jupyter
    starts kernels in the notebook's folder, so ``notebooks/`` finds the repository above it. Outside
    the repository (a copied notebook), the checkout ``skills_core`` was imported from is used, when
    it is one.
    """
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / _MARKER).is_file() and (folder / "skills_core").is_dir():
            return folder
    checkout = Path(skills_core.__file__).resolve().parent.parent
    return checkout if (checkout / _MARKER).is_file() else None


def resolve_path(path: str | Path, *, start: Path | str | None = None) -> Path:
    """An existing path as given, or else relative to :func:`project_root`.

    Raises:
        ConfigError: neither exists.
    """
    given = Path(path).expanduser()
    if given.exists():
        return given.resolve()
    root = project_root(start)
    if root is not None and not given.is_absolute() and (root / given).exists():
        return (root / given).resolve()
    raise ConfigError(
        f"expected an existing file or folder; found {str(path)!r}, which is neither relative to "
        f"{Path(start or Path.cwd()).resolve()} nor to the project root ({root}). "
        "Fix: pass an absolute path or one relative to the repository root"
    )


def resolve_skill(ref: str | Path, *, start: Path | str | None = None) -> Path:
    """A skill folder or file: a bundled skill name (``bank_en``), or a path (see :func:`resolve_path`).

    Raises:
        ConfigError: ``ref`` is neither a bundled name nor an existing path.
    """
    if str(ref) in bundled_skills() and not Path(ref).exists():
        return resolve_skill_path(str(ref))
    try:
        return resolve_path(ref, start=start)
    except ConfigError as e:
        raise ConfigError(
            f"expected a bundled skill name ({', '.join(bundled_skills())}) or a skill path; found "
            f"{str(ref)!r}. Fix: use a bundled name, or a path relative to the repository root"
        ) from e
