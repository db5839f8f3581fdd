"""The lint engine: record rules once per record version, dataset rules kept incrementally."""

from __future__ import annotations

import gc
import sys
import threading
from array import array
from collections import Counter
from collections.abc import Callable, Iterator

from tuiftune.dataset import legacy
from tuiftune.dataset.consensus import legacy_strings, refresh_consensus
from tuiftune.dataset.dataset_rules import BOM, UNSET, file_findings, record_context
from tuiftune.dataset.document import Document
from tuiftune.dataset.file_context import FileContext
from tuiftune.dataset.findings import Finding, ReportedFinding, Severity
from tuiftune.dataset.formats import FORMAT_CODES, FORMAT_INDEX, Format
from tuiftune.dataset.models import (
    DEFAULT_CHAT_MODEL,
    DEFAULT_LEGACY_MODEL,
    ModelInfo,
    model_info,
)
from tuiftune.dataset.multimap import CompactIndex
from tuiftune.dataset.options import LintOptions
from tuiftune.dataset.record import (
    RecordResult,
    guess_format,
    lint_record,
    result_for,
    utf8_bound,
)
from tuiftune.dataset.tail_lint import TailLint
from tuiftune.dataset.tally import ConflictTally, TalliedFindings, context_counts
from tuiftune.dataset.tokens import TokenCounter, counter_for

LintProgress = Callable[[int, int], None]
# A record linted elsewhere, by id, or None; meanwhile it may call ``TailLint`` (its 2nd arg).
Feed = Callable[[int, Callable[[], bool]], "RecordResult | None"]
SEV_CODE = {Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}
_UNSET = UNSET


class LintCancelled(Exception):
    """Raised inside a lint run when its cancel event is set."""


class Linter:
    """Lints a document and keeps the results current as it is edited."""

    def __init__(self, doc: Document, options: LintOptions | None = None) -> None:
        self.doc = doc
        self.options = options or LintOptions()
        fmt = guess_format(doc)
        default = DEFAULT_LEGACY_MODEL if fmt is Format.LEGACY else DEFAULT_CHAT_MODEL
        self.model: ModelInfo = model_info(self.options.model or default)
        self.counter: TokenCounter = counter_for(self.model.encoding)
        # Bounds only for tiktoken encodings, whose tokens are each at least one byte (an open
        # model's tokenizer may add a token for no byte: a sentencepiece word prefix).
        self._bounded = not self.options.exact_tokens and not self.model.encoding.startswith("hf:")
        # Per record id (see Document): compact columns instead of an object per record.
        self._linted = bytearray()
        self._fmt = bytearray()
        self._sev = bytearray()
        self._tokens: array[int] = array("q")
        self._dup: array[int] = array("q")
        self._pkey: array[int] = array("q")
        self._tkey: array[int] = array("q")
        # Indexes over the records currently in the document (their findings counted).
        self._indexed = bytearray()
        self._findings = TalliedFindings(self._indexed)
        self._labels: dict[int, str] = {}
        self._tails: dict[int, tuple[str | None, str | None]] = {}
        self._ctx = TalliedFindings(self._indexed)
        self._dup_index = CompactIndex(self._dup, len(doc))
        self._prompt_index = CompactIndex(self._pkey, len(doc))
        self._conflicts = ConflictTally(self)
        self._fmt_counts: Counter[Format] = Counter()
        self.label_tally: Counter[str] = Counter()  # labels of the records in the document
        self._sep_counter: Counter[str] = Counter()
        self._stop_counter: Counter[str] = Counter()
        self._n_prompts = 0
        self._n_completions = 0
        self.consensus = legacy.Consensus(self.options.separator, self.options.stop)
        self._ready = False
        self._first_dup: dict[int, int] = {}
        self._targets: dict[int, dict[int, int]] = {}
        self._context: FileContext | None = None  # iter_reported's, until the next change
        doc.subscribe(self._on_change)

    # -- per-record state --------------------------------------------------------------------

    def _grow(self, upto: int) -> None:
        missing = upto - len(self._linted)
        if missing > 0:
            self._linted.extend(bytes(missing))
            self._indexed.extend(bytes(missing))
            self._fmt.extend(bytes(missing))
            self._sev.extend(bytes(missing))
            filler = array("q", [_UNSET]) * missing
            self._tokens.extend(array("q", [-1]) * missing)
            self._dup.extend(filler)
            self._pkey.extend(filler)
            self._tkey.extend(filler)

    def _lint_id(self, rid: int) -> None:
        self._grow(rid + 1)
        raw, exact = self.doc.raw(rid), self.counter.count
        self._store(rid, result_for(raw, self._count(), exact, self.model, self._bounded))

    def _count(self) -> Callable[[str], int]:
        return utf8_bound if self._bounded else self.counter.count

    @property
    def tokens_estimated(self) -> bool:
        """Whether token figures are estimates or bounds rather than exact counts."""
        return self.counter.estimated or self._bounded

    def _store(self, rid: int, r: RecordResult) -> None:
        """Keep what the dataset rules need from one record (columns sized by ``_grow``)."""
        self._linted[rid] = 1
        self._fmt[rid] = FORMAT_INDEX[r.fmt]
        self._tokens[rid] = r.tokens
        self._dup[rid] = r.dup_key or _UNSET
        self._pkey[rid] = r.prompt_key or _UNSET
        self._tkey[rid] = r.target_key or _UNSET
        if r.findings:
            self._findings[rid] = r.findings
            self._sev[rid] = max(SEV_CODE[f.severity] for f in r.findings)
        if r.label is not None:
            # Labels repeat (that is what makes them labels): one string each, not one a record.
            self._labels[rid] = sys.intern(r.label)
        if r.prompt_tail is not None or r.completion_tail is not None:
            self._tails[rid] = (r.prompt_tail, r.completion_tail)

    @property
    def ready(self) -> bool:
        """Whether the whole document has been linted (edits re-lint incrementally after)."""
        return self._ready

    def is_linted(self, rid: int) -> bool:
        """Whether a record version has been linted yet (the first run streams in)."""
        return rid < len(self._linted) and bool(self._linted[rid])

    def lint_preview(self, raw: bytes) -> list[Finding]:
        """Record-level findings of bytes that are not (yet) in the document: live as you type."""
        return list(lint_record(raw, self.counter.count, self.model)[0].findings)

    def format_of(self, rid: int) -> Format:
        """The format of a record version."""
        return FORMAT_CODES[self._fmt[rid]]

    def tokens_of(self, rid: int) -> int:
        """Training tokens of a record version (-1 when not countable)."""
        return self._tokens[rid]

    # -- indexes -----------------------------------------------------------------------------

    def _index_add(self, rid: int) -> None:
        self._indexed[rid] = 1
        self._findings.entered(rid)
        self._ctx.entered(rid)
        fmt = FORMAT_CODES[self._fmt[rid]]
        self._fmt_counts[fmt] += 1
        if (label := self._labels.get(rid)) is not None:
            self.label_tally[label] += 1
        if self._dup[rid] != _UNSET:
            self._dup_index.add(self._dup[rid], rid)
        if self._pkey[rid] != _UNSET:
            self._conflicts.add(rid)
        tails = self._tails.get(rid)
        if tails is not None:
            p, c = tails
            if p is not None:
                self._n_prompts += 1
                self._sep_counter.update(legacy.candidates(p))
            if c is not None:
                self._n_completions += 1
                self._stop_counter.update(legacy.candidates(c))

    def _index_remove(self, rid: int) -> None:
        self._indexed[rid] = 0
        self._findings.left(rid)
        self._ctx.left(rid)
        self._fmt_counts[FORMAT_CODES[self._fmt[rid]]] -= 1
        if (label := self._labels.get(rid)) is not None:
            tally = self.label_tally
            tally[label] -= 1
            if tally[label] <= 0:
                del tally[label]
        if self._dup[rid] != _UNSET:
            self._dup_index.remove(self._dup[rid], rid)
        if self._pkey[rid] != _UNSET:
            self._conflicts.remove(rid)
        tails = self._tails.get(rid)
        if tails is not None:
            p, c = tails
            if p is not None:
                self._n_prompts -= 1
                self._sep_counter.subtract(legacy.candidates(p))
            if c is not None:
                self._n_completions -= 1
                self._stop_counter.subtract(legacy.candidates(c))

    # -- running -----------------------------------------------------------------------------

    def run(
        self,
        progress: LintProgress | None = None,
        cancel: threading.Event | None = None,
        feed: Feed | None = None,
    ) -> None:
        """Lint every record (CPU-bound: run it in a worker thread); ``feed`` gives records
        linted elsewhere (``lint_worker``), by id, or None for one to lint here."""
        # Parsing allocates millions of short-lived containers and makes no cycles; the cyclic
        # collector would keep re-scanning everything alive (a measured ~15% of lint time).
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._run(progress, cancel, feed)
        finally:
            if was_enabled:
                gc.enable()

    def _run(
        self, progress: LintProgress | None, cancel: threading.Event | None, feed: Feed | None
    ) -> None:
        doc = self.doc
        n = len(doc)
        self._grow(doc.next_id)
        step = max(1, min(2000, n // 100 or 1))
        # The hot loop of a whole-file lint: everything it calls is bound to a local once.
        raw, count, model = doc.raw, self._count(), self.model
        exact, bounded = self.counter.count, self._bounded
        store, index_add = self._store, self._index_add
        linted, indexed = self._linted, self._indexed
        ids = doc.id_list()
        tail = TailLint(ids, linted, self._lint_id)
        for start in range(0, n, step):
            if cancel is not None and cancel.is_set():
                raise LintCancelled
            if progress is not None:
                progress(start, n)
            for i in range(start, min(n, start + step)):
                rid = ids[i]
                if not linted[rid]:
                    tail.front = i
                    result = feed(rid, tail) if feed is not None else None
                    store(rid, result or result_for(raw(rid), count, exact, model, bounded))
                if not indexed[rid]:
                    index_add(rid)
        self._refresh_consensus(force=True)
        self._context = None
        self._findings.start_counting()
        self._ctx.start_counting()
        self._ready = True
        if progress is not None:
            progress(n, n)

    def _on_change(self, removed: list[int], added: list[int]) -> None:
        self._context = None
        if not self._ready:
            return
        self._first_dup.clear()
        self._targets.clear()
        with self._conflicts.changing():
            # A transaction reports its ids once, so an id may have come and gone within it.
            for rid in dict.fromkeys(removed):
                if self._indexed[rid] and not self.doc.contains(rid):
                    self._index_remove(rid)
            fresh = self._index_added(added)
            if not self._refresh_consensus():
                self._check_tails(fresh)

    def _index_added(self, added: list[int]) -> list[int]:
        """Lint and index the added ids still in the document, each once; the ones indexed."""
        fresh: list[int] = []
        for rid in dict.fromkeys(added):
            self._grow(rid + 1)
            if self._indexed[rid] or not self.doc.contains(rid):
                continue
            if not self._linted[rid]:
                self._lint_id(rid)
            self._index_add(rid)
            fresh.append(rid)
        return fresh

    def _check_tails(self, ids: list[int]) -> None:
        """Check the legacy records among ``ids`` against the consensus as it is."""
        for rid in ids:
            if rid in self._tails:
                self._ctx[rid] = self._consensus_findings(rid)

    def _legacy_strings(self, rid: int) -> tuple[str | None, str | None]:
        return legacy_strings(self.doc.raw(rid))

    def _consensus_findings(self, rid: int) -> tuple[Finding, ...]:
        p, c = self._legacy_strings(rid)
        return legacy.check_record(p, c, self.consensus)

    def _refresh_consensus(self, *, force: bool = False) -> bool:
        """Recompute the consensus; re-check every legacy record if it changed."""
        return refresh_consensus(self, force=force)

    # -- querying ----------------------------------------------------------------------------

    @property
    def main_format(self) -> Format:
        """The file's format by majority of its examples."""
        counts = [(n, f) for f, n in self._fmt_counts.items() if n > 0 and f.is_example]
        return max(counts)[1] if counts else Format.CHAT

    def format_counts(self) -> dict[Format, int]:
        """Records per format among the records in the document."""
        return {f: n for f, n in dict(self._fmt_counts).items() if n > 0}  # copied at once

    def examples(self) -> int:
        """Records that count as training examples (not blank lines)."""
        return sum(n for f, n in dict(self._fmt_counts).items() if f is not Format.BLANK)

    def _first(self, ids: list[int]) -> int:
        return min(ids, key=self.doc.position)

    def _first_by_target(self, ids: list[int]) -> dict[int, int]:
        """For records sharing a prompt: each distinct target's first record."""
        firsts: dict[int, int] = {}
        for rid in sorted(ids, key=self.doc.position):
            firsts.setdefault(self._tkey[rid], rid)
        return firsts

    def dataset_findings(self, rid: int) -> list[Finding]:
        """Findings for a record that depend on the other records (see ``dataset_rules``)."""
        return record_context(self, rid)

    def findings_of(self, rid: int) -> list[Finding]:
        """Every finding of a record currently in the document."""
        return self._with_own(rid, self.dataset_findings(rid))

    def _with_own(self, rid: int, context: list[Finding]) -> list[Finding]:
        out = list(self._findings.get(rid, ()))
        out.extend(context)
        if rid == self.doc.id_at(0) and self.doc.bom:
            out.insert(0, BOM)
        return out

    def findings_at(self, pos: int) -> list[Finding]:
        """Every finding of the record at a position."""
        return self.findings_of(self.doc.id_at(pos))

    def iter_reported(self) -> Iterator[ReportedFinding]:
        """Every finding with its line, file-level ones first (``findings_of`` of each record,
        with the dataset rules resolved once per group: see ``file_context``)."""
        for f in self.file_findings():
            yield ReportedFinding.at(0, f)
        context = self._file_context()
        own, has, at = self._findings, context.has, ReportedFinding.at
        for pos, rid in enumerate(self.doc.ids()):
            if rid in own or pos == 0 or has(rid):
                for f in self._with_own(rid, context.findings(rid)):
                    yield at(pos + 1, f)

    def _file_context(self) -> FileContext:
        # Kept between readings of a finished lint (a report reads its findings twice or more).
        context = self._context or FileContext(self)
        if self._ready:
            self._context = context
        return context

    def reported_severities(self, *, reading: bool = False) -> Counter[Severity]:
        """How many findings of each severity ``iter_reported`` gives, without building them;
        ``reading``: the caller reads them too, so build (and keep) the context they need."""
        out = Counter(f.severity for f in self.file_findings())
        out.update(dict(self._findings.counts))  # copied at once: edits may change it
        if self.doc.bom and len(self.doc):
            out[BOM.severity] += 1
        if reading:
            self._file_context()
        out.update(context_counts(self, self._conflicts, self._ctx, lambda: self._context))
        return +out

    def severity_at(self, pos: int) -> Severity | None:
        """The worst severity of a record's findings (None when clean)."""
        worst = max((SEV_CODE[f.severity] for f in self.findings_at(pos)), default=0)
        return {0: None, 1: Severity.INFO, 2: Severity.WARNING, 3: Severity.ERROR}[worst]

    def labels(self) -> Iterator[str]:
        """The classification-like label of each record in the document that has one."""
        got = self._labels.get
        return (label for rid in self.doc.ids() if (label := got(rid)) is not None)

    def file_findings(self) -> list[Finding]:
        """Findings about the file as a whole (reported at line 0)."""
        return file_findings(self)

    def token_values(self) -> list[int]:
        """Token counts of the examples in the document."""
        tokens = self._tokens
        return [t for rid in self.doc.ids() if (t := tokens[rid]) >= 0]
