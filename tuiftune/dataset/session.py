"""An editing session over one file: rows to show, filters, fixes and edits, for any front end.

The TUI's dataset editor is a thin view over this: tested without a terminal, shared with
headless tools."""

from __future__ import annotations

import gc
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuiftune.dataset.document import Document
from tuiftune.dataset.findings import Finding, Severity
from tuiftune.dataset.fixes import Applied, apply_fixes, dumps_like, fix_id
from tuiftune.dataset.formats import Format
from tuiftune.dataset.io import load_document, save_document
from tuiftune.dataset.linter import Linter
from tuiftune.dataset.options import LintOptions
from tuiftune.dataset.preview import preview_of
from tuiftune.dataset.record import parse
from tuiftune.dataset.stream_lint import StreamingLinter

if TYPE_CHECKING:
    from tuiftune.dataset.lint_worker import LintWorker

PREVIEW_CACHE = 4096


class FilterKind(StrEnum):
    """Which records the list shows."""

    ALL = "all"
    ERRORS = "errors"
    WARNINGS = "warnings"
    RULE = "rule"
    SEARCH = "search"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the record list."""

    pos: int
    line: int
    linted: bool
    severity: Severity | None
    fmt: Format | None
    preview: str
    tokens: int


class EditError(Exception):
    """An edit that cannot be applied as asked (the message says why)."""


class EditorSession:
    """A document, its linter, and the view state of the list (filter, search)."""

    def __init__(self, doc: Document, options: LintOptions | None = None) -> None:
        self.doc = doc
        # Edits are taken while the first lint streams (re-linted when the stream passes them).
        self.linter: Linter = StreamingLinter(doc, options)
        self.filter = FilterKind.ALL
        self.filter_arg = ""
        self._visible: list[int] | None = None  # record ids, in file order; None means all
        self._previews: OrderedDict[int, tuple[str, Format | None]] = OrderedDict()
        #: An open model's exact tokens (chat template included), set by the model picker.
        self.model_note: str | None = None
        self._frontier = 0  # positions the first lint has passed (a chunk's start)
        doc.subscribe(self._on_change)

    @classmethod
    async def open(
        cls,
        path: str | Path,
        options: LintOptions | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> EditorSession:
        """Load a file (not yet linted: call :meth:`lint` in the lint thread)."""
        return cls(await load_document(path, progress), options)

    def lint(
        self,
        progress: Callable[[int, int], None] | None = None,
        cancel: Any = None,
        worker: LintWorker | None = None,
    ) -> None:
        """Lint every record (CPU-bound: run it in the lint thread), taking what ``worker``
        linted of this file in its own process where it read the same bytes."""

        def streamed(done: int, total: int) -> None:
            self._frontier = done
            if progress is not None:
                progress(done, total)

        try:
            feed = worker if worker is not None and worker.accept(self.linter, cancel) else None
            self.linter.run(streamed, cancel, feed)
        finally:
            if worker is not None:
                worker.close()
        # The lint leaves a million or more objects alive (findings, previews, index groups)
        # that never form cycles; the collector's full passes over them cost 100-250 ms on a
        # key press now and then (a p95 of 211 ms for n at 100k rows against a median of 28).
        gc.freeze()
        if self.filter is not FilterKind.ALL:
            self.refilter()

    # -- rows --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.doc) if self._visible is None else len(self._visible)

    def pos_of_row(self, row: int) -> int:
        """The document position shown at a list row."""
        if self._visible is None:
            return row
        return self.doc.position(self._visible[row])

    def row_of_pos(self, pos: int) -> int | None:
        """The list row showing a document position (None when filtered out)."""
        if self._visible is None:
            return pos if 0 <= pos < len(self.doc) else None
        rid = self.doc.id_at(pos)
        try:
            return self._visible.index(rid)
        except ValueError:
            return None

    def preview(self, rid: int) -> tuple[str, Format | None]:
        """A one-line, control-character-free summary of a record version (cached)."""
        cached = self._previews.get(rid)
        if cached is not None:
            self._previews.move_to_end(rid)
            return cached
        result = preview_of(self.doc.raw(rid))
        self._previews[rid] = result
        if len(self._previews) > PREVIEW_CACHE:
            self._previews.popitem(last=False)
        return result

    def row(self, row: int) -> Row:
        """Everything the list shows for one row."""
        return self.row_at(self.pos_of_row(row))

    def row_at(self, pos: int) -> Row:
        """Everything the list shows for the record at a document position (a list sorted
        by something other than file order maps its rows to positions itself)."""
        rid = self.doc.id_at(pos)
        text, fmt = self.preview(rid)
        linted = self.linter.is_linted(rid)
        linter = self.linter
        return Row(
            pos=pos,
            line=pos + 1,
            linted=linted,
            severity=self._severity(pos, rid) if linted else None,
            fmt=linter.format_of(rid) if linted else fmt,
            preview=text,
            tokens=linter.tokens_of(rid) if linted else -1,
        )

    def _severity(self, pos: int, rid: int) -> Severity | None:
        linter = self.linter
        if linter.ready:
            return linter.severity_at(pos)
        code = linter._sev[rid] if rid < len(linter._sev) else 0  # its own findings so far
        return {0: None, 1: Severity.INFO, 2: Severity.WARNING, 3: Severity.ERROR}[code]

    def findings(self, pos: int) -> list[Finding]:
        """Every finding of the record at a position (empty until linted, or past the end).

        While the first lint streams, a linted record's findings are those found so far: its
        own, and the dataset-level ones among the records linted before it.
        """
        if not 0 <= pos < len(self.doc):
            return []
        linter = self.linter
        if linter.ready:
            return linter.findings_at(pos)
        rid = self.doc.id_at(pos)
        if not self._streamed(rid):
            return []
        try:
            return linter.findings_of(rid)
        except (KeyError, RuntimeError):
            # The lint thread changed an index under us (a group member edited away and not
            # yet dropped, a dict grown mid-read): its own findings are still right.
            return list(linter._findings.get(rid, ()))

    def is_linted(self, pos: int) -> bool:
        """Whether the record at a position has its findings (so far, while the lint streams)."""
        if self.linter.ready:
            return True
        return 0 <= pos < len(self.doc) and self._streamed(self.doc.id_at(pos))

    def _streamed(self, rid: int) -> bool:
        """Whether the stream has linted and indexed a record version."""
        indexed = self.linter._indexed
        return rid < len(indexed) and bool(indexed[rid])

    # -- filtering ---------------------------------------------------------------------------

    def _matches(self, pos: int) -> bool:
        kind = self.filter
        if kind is FilterKind.SEARCH:
            return self.filter_arg.casefold() in self.doc.text_at(pos).casefold()
        findings = self.linter.findings_at(pos)
        if kind is FilterKind.ERRORS:
            return any(f.severity is Severity.ERROR for f in findings)
        if kind is FilterKind.WARNINGS:
            return any(f.severity is Severity.WARNING for f in findings)
        return any(f.rule == self.filter_arg for f in findings)

    def set_filter(self, kind: FilterKind, arg: str = "") -> int:
        """Show only matching records; returns how many match."""
        self.filter, self.filter_arg = kind, arg
        self.refilter()
        return len(self)

    def refilter(self) -> None:
        """Recompute which records the current filter shows."""
        if self.filter is FilterKind.ALL:
            self._visible = None
            return
        if self.filter is not FilterKind.SEARCH and not self.linter.ready:
            self._visible = []
            return
        doc = self.doc
        self._visible = [doc.id_at(p) for p in range(len(doc)) if self._matches(p)]

    def rule_counts(self) -> dict[str, int]:
        """How many records each rule fires on (for a filter menu)."""
        counts: dict[str, int] = {}
        for pos in range(len(self.doc)):
            for rule in {f.rule for f in self.linter.findings_at(pos)}:
                counts[rule] = counts.get(rule, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))

    def _on_change(self, removed: list[int], added: list[int]) -> None:
        visible = self._visible
        if visible is None:
            return
        if len(removed) == 1 and len(added) == 1 and removed != added and removed[0] in visible:
            visible[visible.index(removed[0])] = added[0]  # an edited record stays in view
        elif removed == added:  # a move: ids unchanged, order may change
            visible.sort(key=self.doc.position)
        else:
            keep = [r for r in visible if self.doc.contains(r)]
            keep += [r for r in added if self.doc.contains(r) and r not in keep]
            keep.sort(key=self.doc.position)
            self._visible = keep

    # -- navigation --------------------------------------------------------------------------

    def next_problem(self, pos: int, step: int = 1, severity: Severity = Severity.WARNING) -> int:
        """The next position (wrapping) whose findings reach ``severity``; -1 when none."""
        n = len(self.doc)
        if not self.linter.ready:
            # Mid-lint: among the positions the stream has passed (the rest are not linted).
            n = min(n, self._frontier)
            pos = min(pos, n)
        if n == 0:
            return -1
        maybe = self._maybe_problem(severity)
        id_at, findings = self.doc.id_at, self.findings
        for i in range(1, n + 1):
            p = (pos + i * step) % n
            # Building each record's findings cost 80 ms a key at 100k rows: most records can
            # be ruled out from the linter's columns first. Mid-lint, among those linted.
            if maybe(id_at(p)) and any(f.severity.rank >= severity.rank for f in findings(p)):
                return p
        return -1

    def _maybe_problem(self, severity: Severity) -> Callable[[int], bool]:
        """A cheap test that is False only for records with no finding at ``severity``."""
        from tuiftune.dataset.dataset_rules import UNSET
        from tuiftune.dataset.formats import FORMAT_INDEX
        from tuiftune.dataset.linter import SEV_CODE

        lt = self.linter
        need = SEV_CODE[severity]
        sev, ctx, fmt, dup, pkey = lt._sev, lt._ctx, lt._fmt, lt._dup, lt._pkey
        dup_size, prompt_size = lt._dup_index.size, lt._prompt_index.size
        # Records of another example format than the file's are context findings (errors).
        usual = {FORMAT_INDEX[f] for f in Format if not f.is_example or f is Format.UNKNOWN}
        usual.add(FORMAT_INDEX[self._main_format()])
        bom_id = self.doc.id_at(0) if self.doc.bom and len(self.doc) else -1
        # Mid-lint only the records streamed so far (the columns cover every id already).
        indexed = None if lt.ready else lt._indexed

        def maybe(rid: int) -> bool:
            if indexed is not None and not (rid < len(indexed) and indexed[rid]):
                return False
            return (
                rid == bom_id
                or sev[rid] >= need
                or rid in ctx
                or fmt[rid] not in usual
                or (dup[rid] != UNSET and dup_size(dup[rid]) > 1)
                or (pkey[rid] != UNSET and prompt_size(pkey[rid]) > 1)
            )

        return maybe

    def _main_format(self) -> Format:
        for _ in range(3):
            try:
                return self.linter.main_format
            except RuntimeError:  # mid-lint, the lint thread added a format as we read
                continue
        return Format.CHAT

    # -- edits -------------------------------------------------------------------------------

    def fix(self, pos: int, finding: Finding) -> list[Applied]:
        """Apply one finding's fix to one record."""
        return apply_fixes(self.linter, [(pos, finding)])

    def _same_fix(self, finding: Finding) -> list[tuple[int, Finding]]:
        kind = fix_id(finding)
        return [
            (p, f)
            for p in range(len(self.doc))
            for f in self.linter.findings_at(p)
            if f.rule == finding.rule and fix_id(f) == kind
        ]

    def count_fixable(self, finding: Finding) -> int:
        """How many records ``fix_all`` would change (to ask before a bulk delete)."""
        return len({p for p, _ in self._same_fix(finding)})

    def fix_all(self, finding: Finding) -> list[Applied]:
        """Apply the same fix to every record that has a finding of the same rule and fix."""
        return apply_fixes(self.linter, self._same_fix(finding))

    def replace_text(self, pos: int, text: str) -> None:
        """Replace a record with edited text: valid JSON is stored compactly in the line's style.

        Text that is not valid JSON is kept as typed if it fits on one line (it will show as an
        error); multi-line invalid JSON is refused, since a record is one line.
        """
        original = self.doc.raw_at(pos)
        value, problem, _ = parse(text.encode("utf-8"))
        if problem is None:
            new = dumps_like(value, original)
        elif "\n" in text or "\r" in text:
            raise EditError(f"not valid JSON ({problem.message}); fix it or put it on one line")
        else:
            new = text.encode("utf-8")
        if new != original:
            self.doc.replace(pos, new)

    def set_value(self, pos: int, value: Any) -> None:
        """Replace a record with a parsed value (from a structured editor)."""
        original = self.doc.raw_at(pos)
        new = dumps_like(value, original)
        if new != original:
            self.doc.replace(pos, new)

    def insert_after(self, pos: int, value: Any) -> int:
        """Insert a new record after ``pos`` (-1 inserts at the top); returns its position."""
        sample = self.doc.raw_at(pos) if 0 <= pos < len(self.doc) else b'{"a": 1}'
        self.doc.insert(pos + 1, dumps_like(value, sample))
        return pos + 1

    def duplicate(self, pos: int) -> int:
        """Copy a record to the next line; returns the copy's position."""
        self.doc.insert(pos + 1, self.doc.raw_at(pos))
        return pos + 1

    def delete(self, pos: int) -> None:
        """Delete a record."""
        self.doc.delete(pos)

    def move(self, pos: int, delta: int) -> int:
        """Move a record up (-1) or down (+1); returns its new position."""
        dest = max(0, min(len(self.doc) - 1, pos + delta))
        self.doc.move(pos, dest)
        return dest

    def pretty(self, pos: int) -> str:
        """The record as indented JSON for editing (raw text when it does not parse)."""
        value, problem, text = parse(self.doc.raw_at(pos))
        if problem is not None:
            return text if text is not None else self.doc.text_at(pos)
        try:
            return json.dumps(value, ensure_ascii=False, indent=2)
        except RecursionError:  # parsed, but too deep to indent: edit it as it is
            return self.doc.text_at(pos)

    async def save(self, path: str | Path | None = None, *, force: bool = False) -> Path:
        """Save atomically (see :func:`save_document`)."""
        return await save_document(self.doc, path, force=force)
