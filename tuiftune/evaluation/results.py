"""One line of a results JSONL file, and reading such a file back after a crash.

A run appends one JSON object per (example, model) as it arrives. A killed process can leave a
torn last line; ``parse_results`` reports where the intact part ends so the runner can cut the
tear off before it appends again.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tuiftune.evaluation.metrics import Scores


@dataclass
class EvalResult:
    """What one model answered for one example, and its scores."""

    index: int
    model: str
    output: str
    reference: str
    scores: Scores = field(default_factory=dict)
    key: str = ""  # the example's fingerprint (``EvalExample.key``)
    label: str | None = None  # the predicted label, for classification-like sets
    error: str | None = None  # set when the request failed for good; the output is then ""
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: int | None = None
    judge: dict[str, Any] | None = None
    via: str = "live"  # or "batch"

    def to_json(self) -> str:
        """One line of the results file (no newline)."""
        data: dict[str, Any] = {
            "index": self.index,
            "line": self.index + 1,
            "model": self.model,
            "output": self.output,
            "reference": self.reference,
            "scores": self.scores,
            "key": self.key,
            "label": self.label,
            "error": self.error,
            "finish_reason": self.finish_reason,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "latency_ms": self.latency_ms,
            "via": self.via,
        }
        if self.judge is not None:
            data["judge"] = self.judge
        return safe_json(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalResult:
        """Rebuild a result from a parsed line; raises ``ValueError`` when it is not one."""
        index, model = data.get("index"), data.get("model")
        if not isinstance(index, int) or isinstance(index, bool) or not isinstance(model, str):
            raise ValueError("a result needs an integer 'index' and a string 'model'")
        scores = data.get("scores") or {}
        if not isinstance(scores, dict):
            raise ValueError("'scores' must be an object")
        judge = data.get("judge")
        return cls(
            index=index,
            model=model,
            output=str(data.get("output") or ""),
            reference=str(data.get("reference") or ""),
            scores={str(k): _number(v) for k, v in scores.items()},
            key=str(data.get("key") or ""),
            label=data.get("label") if isinstance(data.get("label"), str) else None,
            error=data.get("error") if isinstance(data.get("error"), str) else None,
            finish_reason=_str_or_none(data.get("finish_reason")),
            prompt_tokens=_int_or_none(data.get("prompt_tokens")),
            completion_tokens=_int_or_none(data.get("completion_tokens")),
            latency_ms=_int_or_none(data.get("latency_ms")),
            judge=judge if isinstance(judge, dict) else None,
            via=str(data.get("via") or "live"),
        )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        return None
    return number if math.isfinite(number) else None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class ParsedResults:
    """The results of a file, where its intact part ends, and what could not be read."""

    results: list[EvalResult]
    intact_bytes: int  # keep this many bytes; anything after is a torn final line
    bad_lines: list[tuple[int, str]]  # (1-based line, problem) for damaged complete lines
    duplicates: int = 0

    def done(self) -> set[tuple[int, str]]:
        """The (index, model) pairs already in the file."""
        return {(r.index, r.model) for r in self.results}


# What JSON leaves raw but a terminal or editor must not get raw: DEL, C1 controls, line and
# paragraph separators, bidi controls, lone surrogates (C0 controls JSON escapes itself).
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def safe_json(value: Any, indent: int | None = None) -> str:
    """JSON that is safe to print, open and encode: the characters above as ``\\uXXXX``.

    They only occur inside strings, where the escaped form means the same; a lone surrogate
    from a model's answer would otherwise make the line unwritable as UTF-8.
    """
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def parse_results(data: bytes) -> ParsedResults:
    """Parse a results file; the first result of each (index, model) wins."""
    results: list[EvalResult] = []
    bad: list[tuple[int, str]] = []
    seen: set[tuple[int, str]] = set()
    duplicates = 0
    pos = 0
    line_no = 0
    intact = 0
    while pos < len(data):
        line_no += 1
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl
        raw = data[pos:end]
        result, problem = _parse_line(raw)
        if nl < 0:
            # No newline: the writer was stopped mid-line, unless the line happens to be whole.
            if result is None:
                break
            intact = len(data)
        else:
            intact = nl + 1
        pos = end + 1
        if result is None:
            if problem:
                bad.append((line_no, problem))
            continue
        pair = (result.index, result.model)
        if pair in seen:
            duplicates += 1
            continue
        seen.add(pair)
        results.append(result)
    return ParsedResults(results, intact, bad, duplicates)


def _parse_line(raw: bytes) -> tuple[EvalResult | None, str | None]:
    if not raw.strip():
        return None, None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        # ValueError also covers an integer of more than 4,300 digits (not a JSONDecodeError).
        return None, f"not valid JSON ({str(exc)[:120]})"
    if not isinstance(value, dict):
        return None, "not a JSON object"
    try:
        return EvalResult.from_dict(value), None
    except ValueError as exc:
        return None, str(exc)


def results_by_model(results: Iterable[EvalResult]) -> dict[str, dict[int, EvalResult]]:
    """Results grouped by model, then keyed by example index."""
    out: dict[str, dict[int, EvalResult]] = {}
    for r in results:
        out.setdefault(r.model, {})[r.index] = r
    return out
