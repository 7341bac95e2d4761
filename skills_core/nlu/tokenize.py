"""Word tokenisation with character offsets. CJK characters are one token each.

Tokens are the unit for BIO tags in evaluation and for the from-scratch encoder; whatever
sub-word pieces an encoder uses, spans are mapped back to these character offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One CJK ideograph / kana / hangul syllable per token; otherwise runs of letters+digits, or a
# single other non-space symbol.
_CJK = (
    r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
    r"\U00020000-\U0002ffff"
)
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+(?:['’][^\W{_CJK}]+)*|[^\w\s]", re.UNICODE)
_HAS_CJK = re.compile(rf"[{_CJK}]")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens with character offsets (``text[t.start:t.end] == t.text``)."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def has_cjk(text: str) -> bool:
    return _HAS_CJK.search(text) is not None


def spans_to_bio(tokens: list[Token], spans: list[tuple[int, int, str]]) -> list[str]:
    """BIO tags for ``tokens`` given character spans ``(start, end, label)``.

    A token belongs to a span when it overlaps it; the first such token gets ``B-``.
    """
    tags = ["O"] * len(tokens)
    for start, end, label in sorted(spans):
        first = True
        for i, tok in enumerate(tokens):
            if tok.end <= start or tok.start >= end:
                continue
            if tags[i] != "O":
                continue
            tags[i] = ("B-" if first else "I-") + label
            first = False
    return tags


def bio_to_spans(tokens: list[Token], tags: list[str]) -> list[tuple[int, int, str]]:
    """Character spans from BIO tags; an ``I-`` without its ``B-`` starts a new span."""
    spans: list[tuple[int, int, str]] = []
    current: list[int] | None = None
    label = ""
    for tok, tag in zip(tokens, tags, strict=True):
        if tag.startswith("I-") and current is not None and tag[2:] == label:
            current[1] = tok.end
            continue
        if current is not None:
            spans.append((current[0], current[1], label))
            current = None
        if tag != "O":
            label = tag[2:]
            current = [tok.start, tok.end]
    if current is not None:
        spans.append((current[0], current[1], label))
    return spans
