"""Training metrics: points from ``metrics`` events and from the job's result file (CSV).

The result file has been seen served base64-encoded, with empty cells where a metric was not
computed and with extra columns; all of that is tolerated here.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from tuiftune.service.types import MetricPoint

__all__ = [
    "MetricPoint",
    "decode_result_content",
    "parse_result_csv",
    "point_from_event_data",
    "points_from_events",
]

_B64_CHARS = re.compile(rb"^[A-Za-z0-9+/=_\-\s]+$")


def _number(text: Any) -> float | None:
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        value = float(text)
    else:
        text = str(text).strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            return None
    return value


def _step(value: Any) -> int | None:
    number = _number(value)
    if number is None or math.isnan(number) or math.isinf(number):
        return None
    return int(number)


def point_from_event_data(data: Mapping[str, Any] | None) -> MetricPoint | None:
    """A point from a ``metrics`` event's ``data``; None when it has no step."""
    if not data:
        return None
    step = _step(data.get("step"))
    if step is None:
        return None
    values: dict[str, float | None] = {}
    extra: dict[str, str] = {}
    for key, raw in data.items():
        if key in ("step", "total_steps"):
            continue
        number = _number(raw)
        if number is not None or raw is None or raw == "":
            values[key] = number
        else:
            extra[key] = str(raw)
    return MetricPoint(step, values, _step(data.get("total_steps")), extra)


def decode_result_content(content: bytes | str) -> str:
    """The result file as text, decoding base64 when the content is base64."""
    raw = content.encode("utf-8") if isinstance(content, str) else content
    stripped = raw.strip()
    # Plain CSV has commas, which base64 never contains: only then is decoding worth a try.
    if stripped and b"," not in stripped and _B64_CHARS.match(stripped):
        compact = re.sub(rb"\s+", b"", stripped)
        padded = compact + b"=" * (-len(compact) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                text = decode(padded).decode("utf-8")
            except (binascii.Error, ValueError):
                continue
            if "," in text:
                return text.lstrip("\ufeff")
    return raw.decode("utf-8", errors="replace").lstrip("\ufeff")


def parse_result_csv(content: bytes | str) -> list[MetricPoint]:
    """Metric rows of a result file; rows without a readable step are skipped."""
    text = decode_result_content(content)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        return []
    points: list[MetricPoint] = []
    for row in reader:
        cleaned = {
            (k or "").strip(): v for k, v in row.items() if k is not None and isinstance(v, str)
        }
        step = _step(cleaned.get("step"))
        if step is None:
            continue
        values: dict[str, float | None] = {}
        extra: dict[str, str] = {}
        for key, cell in cleaned.items():
            if key == "step" or not key:
                continue
            number = _number(cell)
            if number is not None or not cell.strip():
                values[key] = number
            else:
                extra[key] = cell
        points.append(MetricPoint(step, values, None, extra))
    return points


def points_from_events(events: Iterable[Any]) -> list[MetricPoint]:
    """Points from the ``metrics`` events among ``events`` (in the order given)."""
    out = []
    for event in events:
        if getattr(event, "type", None) != "metrics":
            continue
        point = point_from_event_data(getattr(event, "data", None))
        if point is not None:
            out.append(point)
    return out
