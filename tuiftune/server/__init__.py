"""A local OpenAI-compatible server (``tuiftune serve``) with a pluggable trainer.

Reach it only over HTTP: in-process with ``sandbox.serving(create_app(...))`` (which runs the
app's lifespan) or ``sandbox_http_client``, with ``SANDBOX_BASE_URL``, or over TCP. State kept
in ``ServerOptions.state_dir`` survives restarts.

Layout: ``app`` (routes, lifespan, ``create_app``), ``options``, ``api/`` (one module per API
area), ``gateway`` (auth, latency, rate limit, faults), ``jobs`` + ``job_request`` +
``hyperparameters`` (fine-tuning jobs), ``trainers/`` (the seam in ``base``; ``simulated`` +
``sim_events`` + ``sim_slots`` + ``timeline`` + ``curve`` + ``bm25``, its responder;
``local/``, real LoRA training in an engine subprocess, ``local_engine/``), ``validation`` +
``results``, ``answering`` + ``retrieval`` + ``generic`` + ``generation`` + ``streaming`` +
``tokens`` (answering), ``background`` (long-lived tasks), ``store`` + ``records`` (state),
``sandbox`` (in-process client), ``command`` (the CLI subcommand).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tuiftune.server.app import create_app
    from tuiftune.server.clock import ManualClock
    from tuiftune.server.options import ServerOptions
    from tuiftune.server.sandbox import SANDBOX_BASE_URL, sandbox_http_client

__all__ = ["SANDBOX_BASE_URL", "ManualClock", "ServerOptions", "create_app", "sandbox_http_client"]

# Imported on first use, so ``tuiftune.server.command`` can build the CLI parser cheaply.
_HOMES = {
    "create_app": "app",
    "ManualClock": "clock",
    "ServerOptions": "options",
    "SANDBOX_BASE_URL": "sandbox",
    "sandbox_http_client": "sandbox",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"tuiftune.server.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'tuiftune.server' has no attribute {name!r}")
