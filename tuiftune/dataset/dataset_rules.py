"""File-level rules: example counts, mixed formats, label balance, estimated tokens."""

from __future__ import annotations

from collections import Counter

from tuiftune.dataset.findings import Finding, Fix, err, info, warn
from tuiftune.dataset.formats import FORMAT_CODES, Format
from tuiftune.dataset.linter_state import LinterState

UNSET = -(2**63)  # an empty slot in the linter's per-record key columns
MIN_EXAMPLES = 10
FEW_EXAMPLES = 50
BOM = warn(
    "encoding.bom",
    "the file starts with a UTF-8 byte-order mark (BOM); many JSONL readers fail on line 1",
    None,
    Fix("strip_bom", "remove the BOM"),
)


def file_findings(linter: LinterState) -> list[Finding]:
    """Findings about the file as a whole (reported at line 0)."""
    out: list[Finding] = []
    n = linter.examples()
    if n < MIN_EXAMPLES:
        out.append(
            err(
                "dataset.too_few",
                f"{n} example{'' if n == 1 else 's'}; OpenAI requires at least {MIN_EXAMPLES}",
                None,
            )
        )
    elif n < FEW_EXAMPLES:
        out.append(
            warn(
                "dataset.small",
                f"{n} examples; fine-tuning usually needs 50-100 before gains show",
                None,
            )
        )
    kinds = {
        f: k for f, k in linter.format_counts().items() if f.is_example and f is not Format.UNKNOWN
    }
    if len(kinds) > 1:
        listed = ", ".join(
            f"{f.value} x{k}" for f, k in sorted(kinds.items(), key=lambda kv: -kv[1])
        )
        out.append(err("dataset.format.mixed", f"mixed formats in one file: {listed}", None))
    balance = label_balance(linter)
    if balance is not None:
        top, top_n, low, low_n = balance
        out.append(
            warn(
                "dataset.labels.unbalanced",
                f"unbalanced labels: {top!r} has {top_n} examples, {low!r} only {low_n}",
                None,
            )
        )
    labels = label_counts(linter)
    rare = sorted(k for k, v in labels.items() if v == 1) if labels else []
    if rare:
        shown = ", ".join(repr(k) for k in rare[:5]) + (" ..." if len(rare) > 5 else "")
        out.append(
            info("dataset.labels.rare", f"{len(rare)} label(s) occur only once: {shown}", None)
        )
    if linter.counter.estimated:
        out.append(
            info(
                "tokens.estimated",
                f"tiktoken could not load {linter.counter.encoding_name}"
                f" ({linter.counter.load_error}); token counts are estimates",
                None,
            )
        )
    return out


def label_counts(linter: LinterState) -> Counter[str] | None:
    """Label counts when the data looks like classification (short, repeated answers)."""
    n = linter.examples()
    # The linter keeps the tally as records change (a Counter over a million records per key
    # press cost 0.5 s); other callers (split) hand their labels over.
    tally: Counter[str] | None = getattr(linter, "label_tally", None)
    labels = Counter(linter.labels()) if tally is None else tally
    if n < 10 or not 2 <= len(labels) <= min(50, n // 3):
        return None
    # A copy of at most 50 entries, callers may keep it; taken at once (dict() of a dict is one
    # step under the GIL): the status line counts in the lint thread while edits change it.
    labels = Counter(dict(labels))
    if sum(labels.values()) < 0.9 * n:
        return None
    return labels


def label_balance(linter: LinterState) -> tuple[str, int, str, int] | None:
    """(most common, count, least common, count) when very unbalanced (10x or more)."""
    labels = label_counts(linter)
    if labels is None:
        return None
    # One-off labels are usually typos or outliers; they are reported on their own. Ties rank
    # by name: the tally's order follows edits, not the file.
    ranked = [(k, v) for k, v in sorted(labels.items(), key=lambda kv: (-kv[1], kv[0])) if v > 1]
    if len(ranked) < 2:
        return None
    (top, top_n), (low, low_n) = ranked[0], ranked[-1]
    return (top, top_n, low, low_n) if top_n >= 10 * low_n else None


def mixed_finding(fmt: Format, main: Format) -> Finding:
    """The error of a record whose format is not the file's."""
    return err(
        "dataset.format.mixed",
        f"{fmt.value} record in a {main.value} file: a file must hold one format",
        None,
    )


def duplicate_finding(first_line: int, copies: int) -> Finding:
    """The warning of a later copy of a record."""
    return warn(
        "dataset.duplicate",
        f"exact duplicate of line {first_line} ({copies} copies)",
        None,
        Fix("delete_record", "delete this duplicate"),
    )


def conflict_finding(other_line: int, targets: int, fmt: Format) -> Finding:
    """The warning of a record whose prompt has other answers elsewhere in the file."""
    return warn(
        "dataset.conflict",
        f"same prompt as line {other_line} but a different "
        f"completion ({targets} different completions for this prompt)",
        "completion" if fmt is Format.LEGACY else None,
    )


def record_context(linter: LinterState, rid: int) -> list[Finding]:
    """A record's findings that depend on the others: mixed formats, duplicates, conflicts."""
    out: list[Finding] = list(linter._ctx.get(rid, ()))
    fmt = FORMAT_CODES[linter._fmt[rid]]
    main = linter.main_format
    if fmt.is_example and fmt is not main and fmt is not Format.UNKNOWN:
        out.append(mixed_finding(fmt, main))
    dk = linter._dup[rid]
    if dk != UNSET and linter._dup_index.size(dk) > 1:
        first = linter._first_dup.get(dk)
        if first is None:
            first = linter._first_dup[dk] = linter._first(linter._dup_index.ids(dk))
        if first != rid:
            copies = linter._dup_index.size(dk)
            out.append(duplicate_finding(linter.doc.position(first) + 1, copies))
    pk = linter._pkey[rid]
    if pk != UNSET and linter._prompt_index.size(pk) > 1:
        targets = linter._targets.get(pk)
        if targets is None:
            targets = linter._targets[pk] = linter._first_by_target(linter._prompt_index.ids(pk))
        if len(targets) > 1:
            tk = linter._tkey[rid]
            other = linter._first([first for t, first in targets.items() if t != tk])
            out.append(conflict_finding(linter.doc.position(other) + 1, len(targets), fmt))
    return out
