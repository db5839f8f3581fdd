"""Request controls shared by chat and legacy completions, and how they shape the output."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tuiftune.server import tokens
from tuiftune.server.errors import invalid, missing


@dataclass(frozen=True)
class Sampling:
    """The request's sampling controls."""

    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None


@dataclass(frozen=True)
class Generation:
    """The checked controls of one completion request."""

    model: str
    n: int
    sampling: Sampling
    stop: tuple[str, ...]
    max_tokens: int | None
    stream: bool
    include_usage: bool


def _number(body: dict[str, Any], key: str, low: float, high: float, integer: bool) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    kind = "integer" if integer else "decimal"
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or not math.isfinite(value):
        raise invalid(
            f"Invalid type for '{key}': expected {'an integer' if integer else 'a decimal'}, "
            f"but got {type(value).__name__} instead.",
            param=key,
            code="invalid_type",
        )
    if value < low:
        raise invalid(
            f"Invalid '{key}': {kind} below minimum value. Expected a value >= {low:g}, "
            f"but got {value} instead.",
            param=key,
            code=f"{kind}_below_min_value",
        )
    if value > high:
        raise invalid(
            f"Invalid '{key}': {kind} above maximum value. Expected a value <= {high:g}, "
            f"but got {value} instead.",
            param=key,
            code=f"{kind}_above_max_value",
        )
    number: float = value  # an int stays an int: seeds are too large for a float
    return number


def _stop(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list) and len(value) <= 4 and all(isinstance(s, str) for s in value):
        return tuple(s for s in value if s)
    raise invalid("Invalid 'stop': expected a string or a list of up to 4 strings.", param="stop")


def parse_generation(body: dict[str, Any], chat: bool) -> Generation:
    """Check model, n, temperature, top_p, seed, stop, max tokens and streaming options."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise missing("model")
    n = _number(body, "n", 1, 128, integer=True)
    temperature = _number(body, "temperature", 0, 2, integer=False)
    top_p = _number(body, "top_p", 0, 1, integer=False)
    seed = _number(body, "seed", -(2**63), 2**63 - 1, integer=True)
    max_tokens = _number(body, "max_tokens", 1, 2**31, integer=True)
    if chat:
        limit = _number(body, "max_completion_tokens", 1, 2**31, integer=True)
        max_tokens = limit if limit is not None else max_tokens
    elif max_tokens is None and "max_tokens" not in body:
        max_tokens = 16  # the spec's default for legacy completions
    stream = body.get("stream") is True
    options = body.get("stream_options")
    if options is not None and not stream:
        raise invalid(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            param="stream_options",
        )
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    return Generation(
        model=model,
        n=int(n or 1),
        sampling=Sampling(
            temperature=1.0 if temperature is None else temperature,
            top_p=1.0 if top_p is None else top_p,
            seed=None if seed is None else int(seed),
        ),
        stop=_stop(body.get("stop")),
        max_tokens=None if max_tokens is None else int(max_tokens),
        stream=stream,
        include_usage=include_usage,
    )


def shape_output(model: str, text: str, gen: Generation) -> tuple[str, str]:
    """Apply ``stop`` then the token limit; return the text and its ``finish_reason``."""
    cuts = [text.find(s) for s in gen.stop if s in text]
    if cuts:
        text = text[: min(cuts)]
    if gen.max_tokens is not None:
        text, cut = tokens.truncate(model, text, gen.max_tokens)
        if cut:
            return text, "length"
    return text, "stop"
