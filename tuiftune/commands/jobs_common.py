"""Shared pieces of ``tuiftune jobs``: the provider, error handling, exit codes, JSON shapes and
safe text.

Everything a server sends (job errors, event messages, model names) is data: text output goes
through ``clean`` and ``rich.text.Text``; JSON output escapes control characters.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from tuiftune.dataset.preview import UNSAFE_CHARS

# Re-exported: the jobs commands import these from here.
from tuiftune.textfmt import clean as clean
from tuiftune.textfmt import describe_hyperparameters as describe_hyperparameters
from tuiftune.textfmt import hyperparameters
from tuiftune.textfmt import job_error as job_error
from tuiftune.textfmt import when as when

if TYPE_CHECKING:
    from rich.console import Console

    from tuiftune.config import ResolvedProfile
    from tuiftune.service.jobs import JobsService
    from tuiftune.service.providers.base import Provider
    from tuiftune.service.services import Services
    from tuiftune.service.types import Checkpoint, Job, JobEvent, MetricPoint

EXIT_OK = 0
EXIT_JOB_FAILED = 1
"""The job failed or was cancelled (watch), the file was refused (create), no results."""
EXIT_USAGE = 2
EXIT_SERVICE = 3
"""The API could not be reached or refused the request."""
EXIT_INTERRUPTED = 130

# C1, DEL and the bidi controls and separators; C0 and lone surrogates json.dumps escapes itself.
_JSON_C1 = re.compile(f"[{UNSAFE_CHARS}]")


def dumps(obj: Any, *, indent: int | None = None) -> str:
    """JSON for stdout: UTF-8 kept readable, but C1 control characters escaped too."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    # Outside strings JSON is ASCII, so these can only sit inside strings: escaping is safe.
    return _JSON_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(obj: Any, *, indent: int | None = 2) -> None:
    """Print one JSON document (or one ndjson line with ``indent=None``) and flush."""
    sys.stdout.write(dumps(obj, indent=indent) + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    """One line on stderr, prefixed with the command's name."""
    print(f"tuiftune jobs: {clean(message)}", file=sys.stderr, flush=True)


def console() -> Console:
    """A console on stdout that never wraps lines or guesses highlights."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def backend_flags(args: argparse.Namespace) -> str:
    """`` --sandbox`` or `` --profile P`` as given, to repeat in a suggested command."""
    if getattr(args, "sandbox", False):
        return " --sandbox"
    profile = getattr(args, "profile", None)
    return f" --profile {clean(profile)}" if profile else ""


# -- JSON shapes ------------------------------------------------------------------------------


def job_to_dict(job: Job) -> dict[str, Any]:
    """The stable ``--json`` shape of a job (documented in the README)."""
    return {
        "id": job.id,
        "status": str(job.status),
        "model": job.model,
        "fine_tuned_model": job.fine_tuned_model,
        "method": job.method,
        "hyperparameters": hyperparameters(job),
        "training_file": job.training_file,
        "validation_file": job.validation_file,
        "result_files": list(job.result_files or []),
        "suffix": job.suffix,
        "seed": job.seed,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "estimated_finish": job.estimated_finish,
        "trained_tokens": job.trained_tokens,
        "error": job_error(job),
        "metadata": dict(job.metadata) if job.metadata else None,
        "integrations": list(job.integrations),
    }


def event_to_dict(event: JobEvent) -> dict[str, Any]:
    """An event as an ndjson ``event`` line."""
    return {
        "type": "event",
        "id": event.id,
        "created_at": event.created_at,
        "level": str(event.level),
        "message": event.message,
        "event_type": event.type,
        "data": event.data,
    }


def metric_to_dict(point: MetricPoint, event: JobEvent | None = None) -> dict[str, Any]:
    """A metric point as an ndjson ``metrics`` line."""
    return {
        "type": "metrics",
        "id": event.id if event is not None else None,
        "created_at": event.created_at if event is not None else None,
        "step": point.step,
        "total_steps": point.total_steps,
        "values": dict(point.values),
    }


def checkpoint_to_dict(ckpt: Checkpoint) -> dict[str, Any]:
    """A checkpoint as shown by ``jobs show --json``."""
    metrics = dict(ckpt.metrics)
    return {
        "id": ckpt.id,
        "step": ckpt.step_number,
        "fine_tuned_model_checkpoint": ckpt.fine_tuned_model_checkpoint,
        "created_at": ckpt.created_at,
        "metrics": metrics,
    }


# -- running ----------------------------------------------------------------------------------


class Session:
    """Per-invocation state; ``on_interrupt`` is what Ctrl-C prints at this point of the run."""

    def __init__(self, args: argparse.Namespace, services: Services) -> None:
        self.args = args
        self.services = services
        self.on_interrupt = "interrupted"
        self.profile: ResolvedProfile | None = None

    @property
    def json(self) -> bool:
        """Whether ``--json`` was given."""
        return bool(getattr(self.args, "json", False))

    @asynccontextmanager
    async def provider(self) -> AsyncIterator[Provider]:
        """The provider for ``--profile`` / ``--sandbox`` (closed on exit)."""
        from tuiftune.config import sandbox_dir

        if self.services.provider_factory is None:
            profile = self.services.resolve()
            self.profile = profile
            if profile.is_sandbox and profile.source != "--sandbox":
                print(
                    f"note: using the local sandbox ({profile.source}); training is simulated, "
                    f"state in {sandbox_dir()}",
                    file=sys.stderr,
                )
        provider = await self.services.open_provider()
        try:
            yield provider
        finally:
            await provider.aclose()

    @asynccontextmanager
    async def jobs(self) -> AsyncIterator[tuple[Provider, JobsService]]:
        """The provider and a ``JobsService`` over its jobs."""
        from tuiftune.service.jobs import JobsService

        async with self.provider() as provider:
            yield provider, JobsService(provider.jobs)


def execute(session: Session, coro: Coroutine[Any, Any, int]) -> int:
    """Run a command's coroutine; turn Ctrl-C and typed errors into one line and an exit code."""
    import asyncio

    from tuiftune.config import ConfigError
    from tuiftune.service.errors import ServiceError
    from tuiftune.service.files import DatasetRejectedError
    from tuiftune.service.jobs import InvalidJobRequestError

    try:
        return asyncio.run(coro)
    except KeyboardInterrupt:
        print(f"\n{session.on_interrupt}", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except ConfigError as exc:
        error(f"config error: {exc}")
        return EXIT_USAGE
    except InvalidJobRequestError as exc:
        error(str(exc))
        return EXIT_USAGE
    except DatasetRejectedError as exc:
        # Several lines on purpose: the first errors, each with its line and rule.
        lines = "\n".join(clean(line) for line in str(exc).splitlines())
        print(f"tuiftune jobs: refused: {lines}", file=sys.stderr, flush=True)
        return EXIT_JOB_FAILED
    except ServiceError as exc:
        error(str(exc))
        return EXIT_SERVICE
