"""Reading requests: JSON bodies, query parameters and cursor pagination."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from starlette.requests import Request

from tuiftune.server import strict_json
from tuiftune.server.errors import invalid

T = TypeVar("T")

PARSE_FAILED = "We could not parse the JSON body of your request"
BAD_JSON = (
    f"{PARSE_FAILED}. (HINT: This likely means you aren't "
    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
    "sent was not valid JSON.)"
)


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a 400 in OpenAI's words."""
    raw = await request.body()
    try:
        body = strict_json.loads(raw) if raw else None
    except strict_json.BadJSON as exc:
        if exc.param is not None:
            raise invalid(exc.message, param=exc.param, code="invalid_value") from None
        raise invalid(f"{PARSE_FAILED}: {exc.message}") from None
    except ValueError:  # syntax errors and bytes that are not UTF-8 (or UTF-16/32)
        raise invalid(BAD_JSON) from None
    if not isinstance(body, dict):
        raise invalid(BAD_JSON)
    return body


def query_int(request: Request, name: str, default: int, low: int, high: int | None = None) -> int:
    """An integer query parameter within bounds."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(
            f"Invalid type for '{name}': expected an integer, but got {_short(raw)!r}.",
            param=name,
            code="invalid_type",
        ) from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise invalid(f"Invalid '{name}': must be {bounds}, but got {value}.", param=name)
    return value


def _short(text: str, most: int = 40) -> str:
    return text if len(text) <= most else f"{text[: most - 3]}..."


def page_after(
    items: Sequence[T], after: str | None, limit: int, key: Callable[[T], str]
) -> tuple[list[T], bool]:
    """The ``limit`` items that follow the one whose id is ``after`` (all, if ``after`` is None)."""
    start = 0
    if after:
        ids = [key(item) for item in items]
        if after not in ids:
            raise invalid(f"Invalid 'after': no object with id {after!r}.", param="after")
        start = ids.index(after) + 1
    chunk = list(items[start : start + limit])
    return chunk, start + limit < len(items)


def list_body(data: list[dict[str, Any]], has_more: bool, ids: bool = False) -> dict[str, Any]:
    """A ``{"object": "list", ...}`` response body; ``ids`` adds first_id and last_id."""
    body: dict[str, Any] = {"object": "list", "data": data, "has_more": has_more}
    if ids:
        body["first_id"] = data[0]["id"] if data else None
        body["last_id"] = data[-1]["id"] if data else None
    return body


def without_nulls(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` less its null fields, for objects whose spec types allow no null anywhere
    (files, events): an unset field is left out rather than sent as null."""
    return {key: value for key, value in obj.items() if value is not None}
