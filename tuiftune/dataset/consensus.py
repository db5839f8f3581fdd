"""The legacy separator/stop consensus of a linted file, and the records re-checked against it.

Apart from ``linter`` (which keeps the counters) so that the engine stays one file's worth.
"""

from __future__ import annotations

from collections import Counter
from typing import Protocol

from tuiftune.dataset import legacy
from tuiftune.dataset.document import Document
from tuiftune.dataset.findings import Finding
from tuiftune.dataset.options import LintOptions
from tuiftune.dataset.record import parse


class ConsensusState(Protocol):
    """What the consensus reads and writes of a linter (``linter.Linter``)."""

    doc: Document
    options: LintOptions
    consensus: legacy.Consensus
    _tails: dict[int, tuple[str | None, str | None]]
    _sep_counter: Counter[str]
    _stop_counter: Counter[str]
    _n_prompts: int
    _n_completions: int

    @property
    def _ctx(self) -> dict[int, tuple[Finding, ...]]: ...

    def _consensus_findings(self, rid: int) -> tuple[Finding, ...]: ...


def legacy_strings(raw: bytes) -> tuple[str | None, str | None]:
    """A legacy record's prompt and completion (None where not a string)."""
    value, _, _ = parse(raw)
    if not isinstance(value, dict):
        return None, None
    p, c = value.get("prompt"), value.get("completion")
    return (p if isinstance(p, str) else None, c if isinstance(c, str) else None)


def refresh_consensus(linter: ConsensusState, *, force: bool = False) -> bool:
    """Recompute the consensus; re-check every legacy record if it changed."""
    if not linter._tails:
        return False
    opts = linter.options
    current = linter.consensus
    sep = opts.separator or legacy.choose(+linter._sep_counter, linter._n_prompts)
    stop = opts.stop or legacy.choose(+linter._stop_counter, linter._n_completions)
    new = legacy.Consensus(
        sep,
        stop,
        None if opts.separator else legacy.variant(linter._sep_counter, sep),
        None if opts.stop else legacy.variant(linter._stop_counter, stop),
    )
    base = legacy.Consensus(
        current.separator, current.stop, current.separator_variant, current.stop_variant
    )
    # Without a consensus the records are told what to use: the first suggestion that no
    # record's text holds, so any edit of a legacy record can change it (an edit that added
    # " ->" to a prompt left every record suggesting " ->"). Only files with no consensus pay
    # this pass per edit; every record of such a file is already a warning.
    unsuggested = sep is None or stop is None
    if not force and new == base and not unsuggested:
        return False
    live = [rid for rid in linter.doc.ids() if rid in linter._tails]
    if sep is None or stop is None:
        strings = [legacy_strings(linter.doc.raw(rid)) for rid in live]
        new = legacy.Consensus(
            sep,
            stop,
            new.separator_variant,
            new.stop_variant,
            None
            if sep
            else legacy.suggest(legacy.SEPARATOR_SUGGESTIONS, (p for p, _ in strings if p)),
            None if stop else legacy.suggest(legacy.STOP_SUGGESTIONS, (c for _, c in strings if c)),
        )
        linter.consensus = new
        for rid, (p, c) in zip(live, strings, strict=True):
            linter._ctx[rid] = legacy.check_record(p, c, new)
    else:
        linter.consensus = new
        for rid in live:
            linter._ctx[rid] = linter._consensus_findings(rid)
    return True
