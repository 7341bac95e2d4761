"""Turn pydantic validation errors on the skill schema into located, actionable problems."""

from __future__ import annotations

import difflib
import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError

from skills_core.errors import Problem
from skills_core.spec.flows import STEP_KINDS
from skills_core.spec.models import Skill
from skills_core.spec.sourcemap import SourceMap, dotted

Loc = tuple[int | str, ...]


def schema_problems(error: ValidationError, data: dict[str, Any], source: SourceMap) -> list[Problem]:
    """One problem per schema error, located at the line of the offending key or item.

    When a value fails every member of a union (``when: Condition | list[Condition]``) pydantic
    reports one error per member; only the most specific (deepest) one is kept.
    """
    kept: dict[tuple[Any, ...], tuple[int, Problem]] = {}
    for n, err in enumerate(error.errors()):
        loc = tuple(err["loc"])
        path, union_at = _data_path(loc, data)
        problem = _problem(err, loc, path, source)
        key: tuple[Any, ...] = ("union", *path[:union_at]) if union_at is not None else ("error", n)
        if key not in kept or len(loc) > kept[key][0]:
            kept[key] = (len(loc), problem)
    return [p for _, p in kept.values()]


def _data_path(loc: Loc, data: Any) -> tuple[list[str | int], int | None]:
    """The path of ``loc`` inside ``data``, skipping pydantic's union tags and member labels.

    The schema types are walked alongside the data to tell a label (``Condition``, ``list[Condition]``,
    a step's ``collect`` tag) from a key. Returns the path and, when a member label of a plain union
    was skipped, the path length there (errors of one union share it).
    """
    path: list[str | int] = []
    node = data
    tp: Any = Skill
    union_at: int | None = None
    for el in loc:
        label = _label_kind(tp, el)
        tp = _resolve(tp, el) if tp is not None else None
        if label == "member" and union_at is None:
            union_at = len(path)
        if label is not None:
            continue
        in_dict = isinstance(node, dict) and el in node
        if in_dict or (isinstance(node, list) and isinstance(el, int) and 0 <= el < len(node)):
            node = node[el]  # type: ignore[index]
            path.append(el)
        else:
            # a missing key, or data a before-validator reshaped (`responses: {x: text}`): keep the
            # path at the last element that exists in the data
            node = None
    return path, union_at


def _label_kind(tp: Any, el: int | str) -> str | None:
    """``"tag"`` / ``"member"`` when ``el`` names a member of the union ``tp`` rather than a key."""
    tp, _ = _unannotated(tp)
    if get_origin(tp) not in (Union, types.UnionType) or not isinstance(el, str):
        return None
    for m in _members(tp):
        inner, meta = _unannotated(m)
        if any(isinstance(x, Tag) and x.tag == el for x in meta):
            return "tag"
        if _member_label(inner) == el:
            return "member"
    return None


def _member_label(tp: Any) -> str:
    """The label pydantic puts in an error's loc for a union member: ``Condition``, ``list[Condition]``."""
    origin = get_origin(tp)
    if origin is not None:
        return f"{origin.__name__}[{','.join(_member_label(a) for a in get_args(tp))}]"
    return str(getattr(tp, "__name__", tp))


def _problem(err: Any, loc: Loc, path: list[str | int], source: SourceMap) -> Problem:
    kind, msg, value = err["type"], err["msg"], err.get("input")
    last = loc[-1] if loc else ""
    where = dotted(path) or "the top level"
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(str(last), known, n=1)
        expected = f"one of the keys {', '.join(known)}" if known else "no extra key here"
        fix = f"rename '{last}' to '{close[0]}'" if close else f"remove '{last}'"
        return source.problem(path, expected=expected, found=f"unknown key '{last}'", fix=fix)
    if kind == "missing":
        return source.problem(
            path,
            expected=f"a '{last}' key under {where}",
            found="no such key",
            fix=f"add '{last}: ...' under {where}",
        )
    if kind == "step_kind":
        keys = ", ".join(map(str, value)) if isinstance(value, dict) else _short(value)
        return source.problem(
            path,
            expected="a step with exactly one of the keys " + ", ".join(STEP_KINDS),
            found=f"a step with keys {keys}" if isinstance(value, dict) else keys,
            fix="start the step with one of " + ", ".join(f"'{k}:'" for k in STEP_KINDS),
        )
    expected = msg.removeprefix("Input should be ").removeprefix("Value error, ")
    found = f"{_short(value)} ({type(value).__name__})"
    if kind == "model_type":
        expected = f"a mapping with the keys {', '.join(_known_keys(loc))}"
        fix = f"write {where} as 'key: value' lines"
    elif kind == "string_type" and isinstance(value, int | float | bool):
        fix = f"quote the value: '{value}'"
    elif kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        close = difflib.get_close_matches(str(value), allowed, n=1)
        fix = f"did you mean '{close[0]}'?" if close else "use one of the allowed values"
        expected = f"one of {expected}"
    else:
        fix = f"change {where} to {expected}"
    return source.problem(path, expected=expected, found=found, fix=fix)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _known_keys(loc: Loc) -> list[str]:
    """The keys the model at ``loc`` accepts (by YAML name), or [] when it cannot be resolved."""
    tp: Any = Skill
    for el in loc:
        tp = _resolve(tp, el)
        if tp is None:
            return []
    model = _as_model(tp)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _unannotated(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    if get_origin(tp) is Annotated:
        inner, *meta = get_args(tp)
        return inner, tuple(meta)
    return tp, ()


def _members(tp: Any) -> list[Any]:
    return [m for m in get_args(tp) if m is not type(None)]


def _as_model(tp: Any) -> type[BaseModel] | None:
    tp, _ = _unannotated(tp)
    if get_origin(tp) in (Union, types.UnionType):
        members = _members(tp)
        if len(members) == 1:
            return _as_model(members[0])
        return None
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _resolve(tp: Any, el: int | str) -> Any:
    """The type one step down ``tp`` along loc element ``el`` (a field, key, index, tag or label)."""
    tp, _ = _unannotated(tp)
    origin = get_origin(tp)
    model = _as_model(tp)
    if model is not None and origin not in (Union, types.UnionType):
        for name, f in model.model_fields.items():
            if el in (name, f.alias):
                return f.annotation
        return None
    if origin is dict:
        return get_args(tp)[1]
    if origin is list:
        return get_args(tp)[0] if isinstance(el, int) else None
    if origin in (Union, types.UnionType):
        members = _members(tp)
        for m in members:
            inner, meta = _unannotated(m)
            if any(isinstance(x, Tag) and x.tag == el for x in meta):
                return inner
            if _member_label(inner) == el:
                return inner
        for m in members:
            found = _resolve(m, el)
            if found is not None:
                return found
    return None
