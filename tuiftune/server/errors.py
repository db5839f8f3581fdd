"""OpenAI's error envelope: ``{"error": {"message", "type", "param", "code"}}`` and its statuses."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger(__name__)

SERVER_ERROR_MESSAGE = "The server had an error while processing your request. Sorry about that!"
OVERLOADED_MESSAGE = "The engine is currently overloaded, please try again later."
NO_KEY_MESSAGE = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with "
    "blank username) if you're accessing the API from your browser and are prompted for a "
    "username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)


class APIError(Exception):
    """An error the API reports to the client; raise it from any handler."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, object]:
        """The JSON envelope of this error."""
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }

    def response(self) -> JSONResponse:
        """This error as an HTTP response."""
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def invalid(message: str, param: str | None = None, code: str | None = None) -> APIError:
    """A 400 ``invalid_request_error``."""
    return APIError(400, message, param=param, code=code)


def missing(param: str) -> APIError:
    """A 400 for a required parameter that was not sent."""
    return invalid(
        f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
    )


def not_found(message: str, param: str | None = None, code: str | None = None) -> APIError:
    """A 404 ``invalid_request_error``."""
    return APIError(404, message, param=param, code=code)


def model_not_found(model: str) -> APIError:
    """The 404 OpenAI sends for an unknown or deleted model."""
    return not_found(
        f"The model `{model}` does not exist or you do not have access to it.",
        code="model_not_found",
    )


def rate_limited(
    message: str, retry_after: int, headers: Mapping[str, str] | None = None
) -> APIError:
    """A 429 with ``Retry-After`` in whole seconds."""
    all_headers = {"retry-after": str(retry_after), **(headers or {})}
    return APIError(429, message, type="requests", code="rate_limit_exceeded", headers=all_headers)


async def handle_api_error(request: Request, exc: Exception) -> Response:
    """Starlette handler for ``APIError``."""
    assert isinstance(exc, APIError)
    return exc.response()


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    """Unknown routes and wrong methods get OpenAI's ``Invalid URL`` 404."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        return not_found(f"Invalid URL ({request.method} {request.url.path})").response()
    return APIError(exc.status_code, str(exc.detail)).response()


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    """Any bug becomes a 500 envelope; the traceback goes to the log, not the client."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return APIError(500, SERVER_ERROR_MESSAGE, type="server_error").response()
