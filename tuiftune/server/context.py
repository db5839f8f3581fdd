"""The per-app objects every route needs, reachable from the request."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from tuiftune.server.inference import Inference
from tuiftune.server.jobs import JobService
from tuiftune.server.options import ServerOptions
from tuiftune.server.store import Store


@dataclass
class ServerContext:
    """Options, storage and services of one app instance."""

    options: ServerOptions
    store: Store
    jobs: JobService
    inference: Inference

    def now(self) -> float:
        """The current time on the app's clock."""
        return self.options.clock()


def context(request: Request) -> ServerContext:
    """The context of the app that is serving ``request``."""
    ctx: ServerContext = request.app.state.context
    return ctx
