"""The editor's training losses: each row's loss under a job's final model (the local
trainer's per-example results file) in a sortable table, the rows whose loss stayed high
marked, and a conflicting-label finding on a row linked to the row it conflicts with.

Reached from the command palette ("Load training losses from job..."); enter opens a row in
the editor, ``c`` the row it conflicts with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from tuiftune.dataset.findings import Finding
from tuiftune.dataset.preview import printable
from tuiftune.evaluation.example_losses import ExampleLoss, high_loss_rows
from tuiftune.service.errors import ServiceError
from tuiftune.service.example_losses import job_example_losses
from tuiftune.service.jobs import JobsService
from tuiftune.service.types import Job
from tuiftune.ui.messages import OpenRecord
from tuiftune.ui.screens.modals import PickScreen

if TYPE_CHECKING:
    from tuiftune.dataset.session import EditorSession
    from tuiftune.service.services import Services

CONFLICT_RULE = "dataset.conflict"
SORTS = ("loss", "line", "tokens")
JOBS_ASKED = 50
_LINE = re.compile(r"\bline (\d+)\b")


@dataclass(frozen=True)
class LossRow:
    """One training row: its loss, whether it stayed high, its conflicting-label finding."""

    line: int
    loss: float
    tokens: int
    high: bool
    preview: str = ""
    conflict: str = ""  # the finding's message ("" for none)
    conflict_line: int | None = None  # the row it conflicts with


def loss_rows(
    losses: Mapping[int, ExampleLoss],
    findings: Callable[[int], Sequence[Finding]],
    preview: Callable[[int], str],
) -> list[LossRow]:
    """The rows with a loss, in line order; ``findings`` and ``preview`` take a 1-based line."""
    high = {r.line for r in high_loss_rows(losses)}
    out = []
    for line in sorted(losses):
        found = next((f for f in findings(line) if f.rule == CONFLICT_RULE), None)
        other = _LINE.search(found.message) if found else None
        out.append(
            LossRow(
                line,
                losses[line].loss,
                losses[line].tokens,
                line in high,
                preview(line),
                found.message if found else "",
                int(other.group(1)) if other else None,
            )
        )
    return out


def sort_rows(rows: Sequence[LossRow], key: str) -> list[LossRow]:
    """Highest loss (or most tokens) first, or in line order."""
    if key == "loss":
        return sorted(rows, key=lambda r: (-r.loss, r.line))
    if key == "tokens":
        return sorted(rows, key=lambda r: (-r.tokens, r.line))
    return sorted(rows, key=lambda r: r.line)


def session_rows(session: EditorSession, losses: Mapping[int, ExampleLoss]) -> list[LossRow]:
    """``loss_rows`` over the editor's open file (findings and previews from its session)."""
    doc = session.doc

    def findings(line: int) -> Sequence[Finding]:
        return session.findings(line - 1)

    def preview(line: int) -> str:
        if not 0 < line <= len(doc):
            return ""
        return session.preview(doc.id_at(line - 1))[0]

    return loss_rows(losses, findings, preview)


class LossesScreen(ModalScreen[None]):
    """The training rows with their loss; sortable, high ones and conflicts marked."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "cycle_sort", "Sort", tooltip="Sort by loss, line or tokens"),
        Binding("enter", "open_row", "Open", tooltip="Open this row in the editor"),
        Binding("c", "open_conflict", "Conflict", tooltip="Open the row this one conflicts with"),
        Binding("escape,q", "dismiss_screen", "Close", tooltip="Back to the editor"),
    ]
    DEFAULT_CSS = """
    LossesScreen { align: center middle; }
    LossesScreen > .editor-dialog { height: 90%; width: 95%; }
    LossesScreen DataTable { height: 1fr; }
    """

    def __init__(self, path: Path, job: Job, rows: list[LossRow]) -> None:
        super().__init__()
        self.path, self.job, self.rows = path, job, rows
        self.sort = "loss"
        self.shown: list[LossRow] = []

    def compose(self) -> ComposeResult:
        high = sum(r.high for r in self.rows)
        conflicts = sum(bool(r.conflict) for r in self.rows)
        with Vertical(classes="editor-dialog"):
            yield Static(
                Text(
                    printable(
                        f"training loss of {self.job.fine_tuned_model or self.job.id} on "
                        f"{len(self.rows)} rows · {high} stayed high · {conflicts} conflicting"
                    )
                )
            )
            yield DataTable[Text](cursor_type="row", id="losses-table")
            yield Static(id="losses-finding")
            yield Label(Text("s: sort · enter: open · c: the conflicting row · esc: close", "dim"))

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("line", key="line")
        table.add_column("loss", key="loss")
        table.add_column("tok", key="tokens")
        table.add_column("", key="flag")
        table.add_column("record", key="record")
        self.show()
        table.focus()

    def show(self) -> None:
        """Fill the table in the current sort order."""
        table = self.query_one(DataTable)
        table.clear()
        self.shown = sort_rows(self.rows, self.sort)
        for r in self.shown:
            flag = Text()
            if r.high:
                flag.append("high", "bold red")
            if r.conflict:
                flag.append(" conflict" if r.high else "conflict", "yellow")
            table.add_row(
                Text(str(r.line), justify="right"),
                Text(f"{r.loss:.4f}", justify="right", style="bold" if r.high else ""),
                Text(str(r.tokens), justify="right"),
                flag,
                Text(printable(r.preview)[:200]),
            )
        self._describe()

    def highlighted(self) -> LossRow | None:
        """The row under the cursor."""
        row = self.query_one(DataTable).cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def _describe(self) -> None:
        row = self.highlighted()
        text = row.conflict if row is not None and row.conflict else ""
        self.query_one("#losses-finding", Static).update(Text(printable(text), "yellow"))

    @on(DataTable.RowHighlighted)
    def _moved(self, event: DataTable.RowHighlighted) -> None:
        self._describe()

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_row()

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key in SORTS:
            self.sort = key
            self.show()

    def action_cycle_sort(self) -> None:
        """The next sort order."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.show()
        self.notify(f"sorted by {self.sort}")

    def action_open_row(self) -> None:
        """Open the highlighted row in the editor."""
        row = self.highlighted()
        if row is not None:
            self._open(row.line)

    def action_open_conflict(self) -> None:
        """Open the row the highlighted one conflicts with."""
        row = self.highlighted()
        if row is None or row.conflict_line is None:
            self.notify("no conflicting-label finding on this row", severity="warning")
            return
        self._open(row.conflict_line)

    def _open(self, line: int) -> None:
        self.dismiss(None)
        self.app.post_message(OpenRecord(self.path, line))

    def action_dismiss_screen(self) -> None:
        """Back to the editor."""
        self.dismiss(None)


def job_label(job: Job) -> str:
    """A picker line: id, status, model (data: no markup)."""
    return printable(f"{job.id}  {job.status}  {job.fine_tuned_model or job.model}")


async def pick_job(screen: Screen[Any], services: Services, title: str) -> Job | None:
    """Ask which recent job (newest first); None when cancelled or none can be listed."""
    try:
        async with await services.open_provider() as provider:
            page = await JobsService(provider.jobs).list_page(limit=JOBS_ASKED)
    except ServiceError as exc:
        screen.notify(f"cannot list jobs: {exc.message}", severity="error", markup=False)
        return None
    jobs = {j.id: j for j in sorted(page.data, key=lambda j: -j.created_at)}
    if not jobs:
        screen.notify("no fine-tuning jobs yet", severity="warning")
        return None
    chosen = await screen.app.push_screen_wait(
        PickScreen(title, [(j.id, job_label(j)) for j in jobs.values()])
    )
    return jobs.get(chosen) if chosen else None


async def load_and_show(screen: Screen[Any], services: Services) -> None:
    """Pick a job, fetch its per-example losses and show them over the editor's file (in a
    worker); one line when the job has none (only the local trainer writes them)."""
    session: EditorSession | None = getattr(screen, "session", None)
    path: Path | None = getattr(screen, "path", None)
    if session is None or path is None:
        screen.notify("open the training file first", severity="warning")
        return
    job = await pick_job(screen, services, "Training losses from job")
    if job is None:
        return
    try:
        async with await services.open_provider() as provider:
            losses = await job_example_losses(provider, job)
    except ServiceError as exc:
        screen.notify(exc.message, severity="error", markup=False)
        return
    if not losses:
        screen.notify(
            f"{job.id} has no per-example losses (the local trainer writes them when a job "
            "succeeds)",
            severity="warning",
            markup=False,
        )
        return
    if max(losses) > len(session.doc):
        screen.notify(
            f"{job.id} trained on {max(losses)}+ rows; {path} has {len(session.doc)}: "
            "lines past its end are left out",
            severity="warning",
            markup=False,
        )
    rows = session_rows(session, {k: v for k, v in losses.items() if k <= len(session.doc)})
    await screen.app.push_screen(LossesScreen(path, job, rows))
