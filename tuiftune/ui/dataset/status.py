"""The editor's status line: where the cursor is, what the file holds, what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from tuiftune.dataset.findings import Severity
from tuiftune.dataset.preview import visible
from tuiftune.dataset.session import EditorSession, FilterKind

SEP = " · "


@dataclass(frozen=True, slots=True)
class Totals:
    """Findings by severity over the whole file, counted as ``tuiftune lint`` counts them."""

    errors: int = 0
    warnings: int = 0


def count_totals(session: EditorSession) -> Totals:
    """Count every finding (file-level ones included) without building them, a large file's
    dataset rules in numpy: run it in a thread (building them took 230 ms at 100k rows)."""
    counts = session.linter.reported_severities()
    return Totals(counts[Severity.ERROR], counts[Severity.WARNING])


def status_text(
    session: EditorSession,
    pos: int,
    *,
    linting: tuple[int, int] | None = None,
    totals: Totals | None = None,
    place: tuple[int | None, int] | None = None,
) -> Text:
    """``row 13/60 · legacy 57, invalid 2, blank 1 · ✖ 3 ▲ 9 · model ...`` (errors, warnings).

    ``place`` is (row, rows) as the list shows them (sorted by loss, the row is not the
    file's); without it, the session's (filtered) order.
    """
    out = Text()
    n = len(session) if place is None else place[1]
    row = (session.row_of_pos(pos) if n else None) if place is None else place[0]
    if n == 0:
        out.append("no records")
    elif row is None:
        out.append(f"line {pos + 1:,} (filtered out)")
    else:
        out.append(f"row {row + 1:,}/{n:,}", style="bold")
        if session.filter is not FilterKind.ALL:
            out.append(f" (line {pos + 1:,} of {len(session.doc):,})")
    linter = session.linter
    if linting is not None:
        done, total = linting
        out.append(f"{SEP}linting {done * 100 // max(1, total)}%")
    elif linter.ready:
        counts = sorted(linter.format_counts().items(), key=lambda kv: -kv[1])
        out.append(SEP + ", ".join(f"{fmt.value} {k:,}" for fmt, k in counts))
        if totals is not None:
            out.append(SEP)
            out.append(f"✖ {totals.errors:,}", style="bold red" if totals.errors else "")
            out.append(" ")
            out.append(f"▲ {totals.warnings:,}", style="yellow" if totals.warnings else "")
        out.append(f"{SEP}model {linter.model.name}")
        if linter.counter.estimated:
            out.append(f"{SEP}tokens estimated")
        if any(f.severity is Severity.ERROR for f in linter.file_findings()):
            out.append(f"{SEP}file problems: s")
    if session.filter is not FilterKind.ALL:
        arg = f" {visible(repr(session.filter_arg))}" if session.filter_arg else ""
        out.append(f"{SEP}filter {session.filter.value}{arg}", style="cyan")
    return out


class StatusLine(Static):
    """One line under the panes; the screen tells it what changed, it keeps the rest."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.totals: Totals | None = None
        self._prompt: Text | None = None  # a question shown instead of the status

    def ask(self, prompt: Text | None) -> None:
        """Show ``prompt`` in place of the status until asked with None."""
        self._prompt = prompt
        if prompt is not None:
            self.update(prompt, layout=False)

    def show_loading(self, path: Path | None) -> None:
        """Say that a file is being read."""
        self.update(Text(f"loading {visible(str(path))} ..."))

    def show(
        self,
        session: EditorSession | None,
        pos: int,
        linting: tuple[int, int] | None = None,
        place: tuple[int | None, int] | None = None,
    ) -> None:
        """Redraw from the session (cheap: the totals are counted elsewhere and kept);
        ``place``: the list's (row, rows), see ``status_text``."""
        if self._prompt is not None:
            return  # the prompt stays until answered; the status is drawn after it
        if session is None:
            self.update("")
            return
        # One row of a fixed bar: no layout pass (a reflow of the whole screen per key).
        text = status_text(session, pos, linting=linting, totals=self.totals, place=place)
        self.update(text, layout=False)
