"""The per-app objects every route needs, reachable from the request."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from tuiftune.server.background import Background
from tuiftune.server.errors import model_not_found
from tuiftune.server.jobs import JobService
from tuiftune.server.options import ServerOptions
from tuiftune.server.store import Store
from tuiftune.server.trainers.base import ResolvedModel, Responder, Trainer


@dataclass
class ServerContext:
    """Options, storage, the trainer and its responder, and the app's long-lived tasks."""

    options: ServerOptions
    store: Store
    jobs: JobService
    trainer: Trainer
    responder: Responder
    background: Background

    def now(self) -> float:
        """The current time on the app's clock."""
        return self.options.clock()

    def resolve(self, name: str) -> ResolvedModel:
        """The model that answers for ``name``; 404 if there is none."""
        model = self.responder.resolve(name)
        if model is None:
            raise model_not_found(name)
        return model


def context(request: Request) -> ServerContext:
    """The context of the app that is serving ``request``."""
    ctx: ServerContext = request.app.state.context
    return ctx
