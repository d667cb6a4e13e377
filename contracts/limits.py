"""Bounds on a submission's bytes, checked before any parser sees them (part of the wire contract).

A parser given ``[`` two hundred thousand times recurses until Python gives up (``RecursionError``),
and one given a million-key object builds a million errors to report: so the shape of the body is
measured first, on its raw bytes, and a body beyond a bound is refused with the bound's name.

The common case costs a few ``bytes.count`` calls: a body with fewer brackets than the depth bound
cannot be deeper, one shorter than the string bound cannot hold a longer string, one with fewer
commas than the item bound cannot hold a longer list. Only a body that fails such a quick bound is
scanned token by token (strings, brackets and commas, with a regular expression).
"""

import re
from dataclasses import dataclass

_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]', re.DOTALL)
"""A JSON string (escapes included), a bracket or a comma: all that decides depth, length and count."""


@dataclass(frozen=True)
class BodyLimits:
    """The largest body, nesting, string and list a submission may have."""

    max_bytes: int = 262_144
    max_depth: int = 32
    max_string_bytes: int = 16_384
    """Of one JSON string (an object key too) as sent, escapes included."""
    max_items: int = 1_000
    """Of one JSON array, and members of one JSON object."""


DEFAULT_LIMITS = BodyLimits()


@dataclass(frozen=True)
class Breach:
    """Which bound a body exceeds, and by how much, in words a sender's engineer can act on."""

    code: str
    reason: str


def breach_of(body: bytes, limits: BodyLimits) -> Breach | None:
    """The first bound ``body`` exceeds, or None; never parses the body."""
    size = len(body)
    if size > limits.max_bytes:
        return Breach("too-large", f"the message is {size:,} bytes; at most {limits.max_bytes:,} are accepted")
    shallow = body.count(b"[") + body.count(b"{") <= limits.max_depth
    short = size - 2 <= limits.max_string_bytes
    few = body.count(b",") < limits.max_items
    if shallow and short and few:
        return None
    return _scan(body, limits)


def _scan(body: bytes, limits: BodyLimits) -> Breach | None:
    counts: list[int] = []
    """Per open bracket: the items seen so far (a comma adds one)."""
    for match in _TOKENS.finditer(body):
        token = match.group()
        first = token[0:1]
        if first == b'"':
            length = len(token) - 2
            if length > limits.max_string_bytes:
                return Breach(
                    "string-too-long",
                    f"a string at byte {match.start():,} is {length:,} bytes long; "
                    f"at most {limits.max_string_bytes:,} are accepted",
                )
        elif first in b"[{":
            counts.append(1)
            if len(counts) > limits.max_depth:
                return Breach(
                    "too-deep",
                    f"arrays and objects are nested more than {limits.max_depth} deep (at byte {match.start():,})",
                )
        elif first in b"]}":
            if counts:
                counts.pop()
        elif counts:  # a comma inside an array or object
            counts[-1] += 1
            if counts[-1] > limits.max_items:
                return Breach(
                    "too-many-items",
                    f"an array or object holds more than {limits.max_items:,} items (at byte {match.start():,})",
                )
    return None
