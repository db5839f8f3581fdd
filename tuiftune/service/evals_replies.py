"""A 200 answer that is not the API's JSON (an HTML login page behind a proxy, a wrong base URL).

The SDK hands such a body back as text, and the provider then fails on a missing attribute deep
inside; ``checked`` turns that into one sentence the user can act on. Used by the eval runner,
the model catalog and the playground's streams.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tuiftune.service.errors import ServiceError

T = TypeVar("T")
# What a provider's conversion raises when the body is not the object it expects.
SHAPE_ERRORS = (AttributeError, TypeError, KeyError, ValueError)


class MalformedReplyError(ServiceError):
    """The server answered, but not with an OpenAI-style JSON response."""


def malformed(exc: BaseException) -> MalformedReplyError:
    """The one sentence for a reply of the wrong shape."""
    return MalformedReplyError(
        "the server's reply is not an OpenAI-style JSON response (a proxy or login page, or a "
        f"wrong base URL?): {type(exc).__name__}"
    )


async def checked(send: Callable[[], Awaitable[T]]) -> T:
    """Await ``send()``; a reply of the wrong shape raises ``MalformedReplyError``."""
    try:
        return await send()
    except SHAPE_ERRORS as exc:
        raise malformed(exc) from None
