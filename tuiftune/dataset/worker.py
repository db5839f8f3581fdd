"""The lint worker: one long-lived thread where CPU-bound dataset work runs off the event loop.

One thread rather than the default pool because tokenizers run fastest in the thread that built
them (see ``tokens._own_encoder``), and because the document is not safe to lint from two
threads at once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
_executor: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    """The lint thread's executor (created on first use)."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tuiftune-lint")
    return _executor


async def in_lint_thread(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn`` in the lint thread and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor(), functools.partial(fn, *args, **kwargs))
