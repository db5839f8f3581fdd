r"""Sampling settings as one editable line: ``temperature=0.7 top_p=1 max_tokens=256 stop=\n,###``.

The playground's parameter dialog reads and writes this grammar; stop sequences use the same
backslash escapes as the command line (``tuiftune.dataset.escapes``).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from tuiftune.dataset.escapes import escape, unescape
from tuiftune.service.types import SamplingParams

_FLOATS = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0)}
_INTS = ("max_tokens", "seed")


def params_text(params: SamplingParams) -> str:
    """Sampling settings as the editable ``key=value`` line (unset ones left out)."""
    parts: list[str] = []
    for key in ("temperature", "top_p", "max_tokens", "seed"):
        value = getattr(params, key)
        if value is not None:
            parts.append(f"{key}={value}")
    stops = [params.stop] if isinstance(params.stop, str) else list(params.stop or [])
    if stops:
        # A comma or a space inside a stop sequence would split it on the way back: escaped.
        parts.append(
            "stop=" + ",".join(escape(s).replace(",", r"\x2c").replace(" ", r"\x20") for s in stops)
        )
    return " ".join(parts)


def finite(value: str, key: str) -> float:
    """A float that is a number (not nan or inf); ``ValueError`` naming ``key`` otherwise."""
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{key}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{key}: {value!r} is not a finite number")
    return number


def _parse_one(key: str, value: str) -> Any:
    if not value:
        return None
    if key in _FLOATS:
        number = finite(value, key)
        low, high = _FLOATS[key]
        if not low <= number <= high:
            raise ValueError(f"{key} must be between {low:g} and {high:g}")
        return number
    if key in _INTS:
        try:
            whole = int(value)
        except ValueError:
            raise ValueError(f"{key}: {value!r} is not a whole number") from None
        if key == "max_tokens" and whole <= 0:
            raise ValueError("max_tokens must be positive")
        return whole
    if key == "stop":
        try:
            stops = [unescape(s) for s in value.split(",") if s]
        except ValueError as exc:
            raise ValueError(f"stop: {exc}") from None
        return stops or None
    raise ValueError(f"unknown setting {key!r} (temperature, top_p, max_tokens, stop, seed)")


def parse_params(text: str, current: SamplingParams) -> SamplingParams:
    r"""Parse ``temperature=0.7 top_p=1 max_tokens=200 stop=\n,### seed=1``; ``key=`` unsets.

    Raises ``ValueError`` naming the bad field.
    """
    changes: dict[str, Any] = {}
    for token in text.split():
        key, eq, value = token.partition("=")
        if not eq:
            raise ValueError(f"{token!r}: expected key=value")
        changes[key] = _parse_one(key, value)
    return dataclasses.replace(current, **changes)
