"""Loaders for the public intent/slot benchmarks, as :class:`~skills_core.spec.annotations.Example` lists.

Each dataset lives in ``<data_dir>/<name>/`` with ``{train,valid,test}.jsonl`` files:

- ``banking77``: ``{"text", "intent"}``. There is no published validation split, so ``valid`` is a
  deterministic stratified carve-out of 10% of the published train file (``valid_seed``) and ``train`` is
  the remaining 90%. ``train+valid`` gives the whole published train file back, in file order.
- ``clinc150``: the "Full" setting; the ``oos`` label becomes :data:`~skills_core.spec.types.OUT_OF_SCOPE`.
- ``snips``, ``atis``: ``{"text", "intent", "tokens", "tags"}`` with BIO tags over space-separated words.
- ``cais`` (Chinese): the same fields with BIOES tags over characters; ``text`` is the characters joined
  without separators (some tokens are a literal space).

Slot tags become character spans into ``text``; every span satisfies ``text[start:end]`` equal to its
tokens joined as they appear in ``text``. ATIS multi-intent labels (``atis_airfare#atis_flight``) are
kept as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.model_selection import train_test_split

from skills_core.errors import ConfigError
from skills_core.spec.annotations import Example, Span
from skills_core.spec.types import OUT_OF_SCOPE

SPLITS = ("train", "valid", "test", "train+valid")
"""Split names accepted by :func:`load_dataset`; ``train+valid`` is everything that is not test."""


class DatasetError(ConfigError):
    """A benchmark dataset is missing or one of its files is malformed."""


@dataclass(frozen=True)
class DatasetInfo:
    """What a benchmark dataset holds."""

    name: str
    language: str
    has_slots: bool
    oos_label: str | None = None
    carve_valid: bool = False


DATASETS: dict[str, DatasetInfo] = {
    "banking77": DatasetInfo("banking77", "en", has_slots=False, carve_valid=True),
    "clinc150": DatasetInfo("clinc150", "en", has_slots=False, oos_label="oos"),
    "snips": DatasetInfo("snips", "en", has_slots=True),
    "atis": DatasetInfo("atis", "en", has_slots=True),
    "cais": DatasetInfo("cais", "zh", has_slots=True),
}

VALID_FRACTION = 0.1
"""Share of banking77's train file carved out as its validation split."""


def default_data_dir() -> Path | None:
    """``../shared/datasets`` relative to the repository root, or None when it does not exist."""
    candidate = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
    return candidate if candidate.is_dir() else None


def load_dataset(
    name: str,
    split: str,
    *,
    data_dir: Path | str | None = None,
    valid_seed: int = 0,
) -> list[Example]:
    """Load one split of a benchmark dataset.

    Args:
        name: one of :data:`DATASETS`.
        split: ``train``, ``valid``, ``test`` or ``train+valid``.
        data_dir: the folder holding ``<name>/``; defaults to :func:`default_data_dir`.
        valid_seed: seed of banking77's stratified validation carve-out (ignored for the others).

    Returns:
        The examples in file order, entity spans as character offsets into each text.

    Raises:
        DatasetError: unknown name or split, missing folder or file, or a malformed line.
    """
    info = DATASETS.get(name)
    if info is None:
        raise DatasetError(
            f"expected a dataset name in {sorted(DATASETS)}; found {name!r}. Fix: pick one of them"
        )
    if split not in SPLITS:
        raise DatasetError(f"expected a split in {list(SPLITS)}; found {split!r}. Fix: pick one of them")
    folder = _dataset_folder(name, data_dir)
    if split == "train+valid":
        if info.carve_valid:
            return _read_split(info, folder, "train")
        return _read_split(info, folder, "train") + _read_split(info, folder, "valid")
    if info.carve_valid and split in ("train", "valid"):
        train, valid = _carve_valid(_read_split(info, folder, "train"), seed=valid_seed)
        return train if split == "train" else valid
    return _read_split(info, folder, split)


def _dataset_folder(name: str, data_dir: Path | str | None) -> Path:
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    if root is None:
        raise DatasetError(
            "expected a datasets folder; found none (no data_dir given and ../shared/datasets next to the "
            "repository does not exist). Fix: pass data_dir (on the command line: --data /path/to/datasets)"
        )
    folder = root / name
    if not folder.is_dir():
        raise DatasetError(
            f"expected the {name} dataset in {folder}; found no such folder. "
            "Fix: point --data (data_dir) at the folder that holds the dataset folders"
        )
    return folder


def _read_split(info: DatasetInfo, folder: Path, split: str) -> list[Example]:
    path = folder / f"{split}.jsonl"
    if not path.is_file():
        raise DatasetError(
            f"expected {path} ({info.name} {split} split, one JSON object per line); found no such file. "
            "Fix: point --data (data_dir) at the folder that holds the dataset folders"
        )
    return [_to_example(info, record, path, line_no) for line_no, record in _records(path)]


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise DatasetError(
                    f"{path}:{line_no}: expected one JSON object per line; found invalid JSON ({e.msg}). "
                    "Fix: repair or re-create the file"
                ) from e
            if not isinstance(record, dict):
                raise DatasetError(
                    f"{path}:{line_no}: expected a JSON object; found {type(record).__name__}. "
                    "Fix: repair or re-create the file"
                )
            yield line_no, record


def _field(record: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = record.get(key)
    if not isinstance(value, kind):
        found = "nothing" if value is None else repr(value)[:60]
        raise DatasetError(
            f"{where}: expected a {kind.__name__} field {key!r}; found {found}. "
            "Fix: repair or re-create the file"
        )
    return value


def _to_example(info: DatasetInfo, record: dict[str, Any], path: Path, line_no: int) -> Example:
    where = f"{path}:{line_no}"
    text: str = _field(record, "text", str, where)
    intent: str = _field(record, "intent", str, where)
    if info.oos_label is not None and intent == info.oos_label:
        intent = OUT_OF_SCOPE
    if not info.has_slots:
        return Example(text=text, intent=intent)
    tokens: list[Any] = _field(record, "tokens", list, where)
    tags: list[Any] = _field(record, "tags", list, where)
    if len(tokens) != len(tags) or not all(isinstance(t, str) for t in [*tokens, *tags]):
        raise DatasetError(
            f"{where}: expected as many string tags as tokens; found {len(tokens)} tokens and "
            f"{len(tags)} tags. Fix: repair or re-create the file"
        )
    offsets = align_tokens(text, tokens, where=where)
    spans = tuple(
        Span(start=offsets[first][0], end=offsets[last][1], entity=label)
        for first, last, label in tags_to_token_spans(tags, where=where)
    )
    return Example(text=text, intent=intent, spans=spans)


def align_tokens(text: str, tokens: list[str], *, where: str = "text") -> list[tuple[int, int]]:
    """Character offsets of ``tokens`` in ``text``, in order, allowing only whitespace between them.

    Raises:
        DatasetError: a token is not found where expected.
    """
    offsets: list[tuple[int, int]] = []
    pos = 0
    for i, token in enumerate(tokens):
        start = pos
        # Skip separators, unless the token itself is whitespace (CAIS has literal space tokens).
        while not token.isspace() and start < len(text) and text[start].isspace():
            start += 1
        end = start + len(token)
        if not token or text[start:end] != token:
            raise DatasetError(
                f"{where}: expected token {i} {token!r} at character {start} of {text!r}; "
                f"found {text[start:end]!r}. "
                "Fix: make 'text' the tokens joined by spaces (or nothing, for Chinese)"
            )
        offsets.append((start, end))
        pos = end
    if text[pos:].strip():
        raise DatasetError(
            f"{where}: expected the tokens to cover {text!r}; found text left over: {text[pos:]!r}. "
            "Fix: make 'text' the tokens joined by spaces (or nothing, for Chinese)"
        )
    return offsets


def tags_to_token_spans(tags: list[str], *, where: str = "tags") -> list[tuple[int, int, str]]:
    """Inclusive token spans ``(first, last, label)`` from BIO or BIOES tags.

    ``B-`` and ``S-`` start a span, ``I-``/``E-`` continue one of the same label (or start one when
    there is none, as conlleval does), ``E-``/``S-`` close it, ``O`` closes any open span.

    Raises:
        DatasetError: a tag is neither ``O`` nor prefixed ``B-``, ``I-``, ``E-``, ``S-``.
    """
    spans: list[tuple[int, int, str]] = []
    current: list[Any] | None = None  # [first, last, label]
    for i, tag in enumerate(tags):
        if tag == "O":
            prefix, label = "O", ""
        elif len(tag) > 2 and tag[:2] in ("B-", "I-", "E-", "S-"):
            prefix, label = tag[0], tag[2:]
        else:
            raise DatasetError(
                f"{where}: expected BIO/BIOES tags ('O', 'B-x', 'I-x', 'E-x', 'S-x'); found {tag!r} at "
                f"token {i}. Fix: repair or re-create the file"
            )
        continues = current is not None and prefix in ("I", "E") and current[2] == label
        if current is not None and not continues:
            spans.append((current[0], current[1], current[2]))
            current = None
        if prefix == "O":
            continue
        if continues and current is not None:
            current[1] = i
        else:
            current = [i, i, label]
        if prefix in ("E", "S"):
            spans.append((current[0], current[1], current[2]))
            current = None
    if current is not None:
        spans.append((current[0], current[1], current[2]))
    return spans


def _carve_valid(examples: list[Example], *, seed: int) -> tuple[list[Example], list[Example]]:
    """Split off a stratified :data:`VALID_FRACTION` of ``examples``; both parts keep file order."""
    indices = list(range(len(examples)))
    train_idx, valid_idx = train_test_split(
        indices,
        test_size=VALID_FRACTION,
        random_state=seed,
        stratify=[e.intent for e in examples],
    )
    return [examples[i] for i in sorted(train_idx)], [examples[i] for i in sorted(valid_idx)]
