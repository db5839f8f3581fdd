"""Eval's export dialog: CSV, JSON and/or a Markdown report of the loaded results.

Each file is checked writable first and written atomically, so a failure leaves nothing half
written; the results file itself is refused as a target.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textual.app import App

from tuiftune.evaluation import EvalResult, EvalSummary, to_csv, to_json, to_markdown
from tuiftune.service.evals import ResultsFileError, check_writable
from tuiftune.service.evals_io import write_export
from tuiftune.ui.screens.modals import AskScreen, PickScreen

KINDS = [("all", "CSV, JSON and Markdown"), ("csv", "CSV"), ("json", "JSON")]
KINDS.append(("md", "Markdown report"))


async def export(
    app: App[Any],
    summary: EvalSummary,
    results: Sequence[EvalResult],
    results_path: Path | None,
) -> tuple[str, bool] | None:
    """Ask what and where, then write; (what to tell the user, whether it worked), or None
    when the user backed out."""
    kind = await app.push_screen_wait(PickScreen("Export", KINDS))
    if kind is None:
        return None
    base = (results_path or Path.cwd() / "eval").with_suffix("")
    default = str(base) if kind == "all" else f"{base}.{kind}"
    title = "Write to (.csv, .json, .md are added)" if kind == "all" else "Write to"
    answer = await app.push_screen_wait(AskScreen(title, default))
    if not answer:
        return None
    targets = {kind: Path(answer)}
    if kind == "all":
        targets = {k: Path(f"{answer}.{k}") for k in ("csv", "json", "md")}
    rows = list(results)
    texts = {
        "csv": lambda: to_csv(rows, summary.metrics),
        "json": lambda: to_json(summary, rows),
        "md": lambda: to_markdown(summary, rows),
    }
    try:
        for key, target in targets.items():
            if results_path is not None and _same(target, results_path):
                raise ResultsFileError(f"{target} is the results file")
            await asyncio.to_thread(check_writable, target)
            await asyncio.to_thread(write_export, target, texts[key]())
    except (OSError, ResultsFileError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"cannot write: {why}", False
    return "wrote " + ", ".join(str(t) for t in targets.values()), True


def _same(a: Path, b: Path) -> bool:
    # Absolute spellings, no file system call: the loop must not block.
    return os.path.abspath(a) == os.path.abspath(b)
