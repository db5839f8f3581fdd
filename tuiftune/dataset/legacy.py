"""Separator and stop-sequence consensus for legacy prompt/completion data.

The old ``prepare_data`` tool required one common suffix on every prompt and completion. Real
files are messier (some records lack it, some glue ``END`` to the text), so the consensus is
the longest delimiter-like suffix that nearly every record supporting the best suffix shares.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from tuiftune.dataset.findings import Finding, Fix, warn

# Characters a separator or stop sequence is made of: whitespace, delimiter symbols and
# upper-case markers (END, ###, ->). Sentence punctuation and lower-case text are content.
_DELIM = re.compile(r"(?:<\|[a-z_]+\|>|[\sA-Z#\-=>|*~_:])+\Z")
SEPARATOR_SUGGESTIONS = ("\n\n###\n\n", " ->", "\n\n")
STOP_SUGGESTIONS = ("\n", " END", "###")
MIN_SHARE = 0.5  # the best suffix must end at least half of the records
NEAR = 0.9  # a longer suffix is chosen while it keeps 90% of the best one's support


def candidates(tail: str) -> set[str]:
    """Every suffix of the trailing run of delimiter characters."""
    m = _DELIM.search(tail)
    if m is None:
        return set()
    run = m.group(0)
    return {run[i:] for i in range(len(run))}


def choose(counter: Counter[str], n: int) -> str | None:
    """The consensus suffix, or None when no suffix ends at least half of ``n`` records."""
    if n == 0 or not counter:
        return None
    best = max(counter.values())
    if best < MIN_SHARE * n:
        return None
    eligible = [(len(c), k, c) for c, k in counter.items() if k >= NEAR * best]
    return max(eligible)[2]


@dataclass(frozen=True, slots=True)
class Variant:
    """A spaced form of the consensus that only part of the records use (" END" vs "END")."""

    spaced: str
    spaced_count: int
    glued_count: int

    @property
    def spaced_wins(self) -> bool:
        """Whether the spaced form is the majority (so glued records are the odd ones)."""
        return self.spaced_count >= self.glued_count


@dataclass(frozen=True, slots=True)
class Consensus:
    """The separator and stop sequence in force, and how they were found."""

    separator: str | None
    stop: str | None
    separator_variant: Variant | None = None
    stop_variant: Variant | None = None
    suggested_separator: str | None = None
    suggested_stop: str | None = None


def variant(counter: Counter[str], chosen: str | None) -> Variant | None:
    """The spaced form of ``chosen`` when some records use it and others glue it to the text."""
    if not chosen or chosen[0].isspace():
        return None
    spaced = " " + chosen
    with_space = counter.get(spaced, 0)
    total = counter.get(chosen, 0)
    if 0 < with_space < total:
        return Variant(spaced, with_space, total - with_space)
    return None


def suggest(options: Iterable[str], texts: Iterable[str]) -> str:
    """The first suggestion that appears in none of the texts."""
    opts = list(options)
    seen = [False] * len(opts)
    for text in texts:
        for i, opt in enumerate(opts):
            if not seen[i] and opt in text:
                seen[i] = True
    for i, opt in enumerate(opts):
        if not seen[i]:
            return opt
    return opts[0]


def show(s: str) -> str:
    """A suffix as a user reads it, with escapes visible."""
    return repr(s)


def _check(
    text: str,
    want: str | None,
    var: Variant | None,
    suggested: str | None,
    what: str,
    prefix: str,
) -> list[Finding]:
    out: list[Finding] = []
    thing = "separator" if what == "prompt" else "stop sequence"
    fix_kind = "append_separator" if what == "prompt" else "append_stop"
    if want is None:
        if suggested is not None:
            out.append(
                warn(
                    f"{prefix}.missing",
                    f"no common {thing} in this file; end every "
                    f"{what} with one, e.g. {show(suggested)}",
                    what,
                    Fix(fix_kind, f"append {show(suggested)}", suggested),
                )
            )
        return out
    if not text.endswith(want):
        out.append(
            warn(
                f"{prefix}.missing",
                f"{what} does not end with the {thing} {show(want)} that the other records use",
                what,
                Fix(fix_kind, f"append {show(want)}", want),
            )
        )
    elif var is not None:
        spaced = text.endswith(var.spaced)
        if spaced != var.spaced_wins:
            if spaced:
                message = (
                    f"{what} ends with {show(var.spaced)} while {var.glued_count} others "
                    f"end with {show(want)} glued to the text: use one {thing}"
                )
                fix = Fix("replace_suffix", f"use {show(want)}", var.spaced + "\0" + want)
            else:
                message = (
                    f"{what} ends with {show(want)} glued to the text while "
                    f"{var.spaced_count} others end with {show(var.spaced)}: use one "
                    f"{thing}"
                )
                fix = Fix("replace_suffix", f"use {show(var.spaced)}", want + "\0" + var.spaced)
            out.append(warn(f"{prefix}.inconsistent", message, what, fix))
    body = text[: -len(want)] if text.endswith(want) else text
    if want in body:
        tail = ": generation would stop early" if what == "completion" else ""
        out.append(
            warn(
                f"{prefix}.inside",
                f"the {thing} {show(want)} also appears inside the {what}{tail}",
                what,
            )
        )
    return out


def check_record(
    prompt: str | None, completion: str | None, cons: Consensus
) -> tuple[Finding, ...]:
    """Findings for one legacy record against the file's consensus."""
    out: list[Finding] = []
    if prompt is not None:
        out += _check(
            prompt,
            cons.separator,
            cons.separator_variant,
            cons.suggested_separator,
            "prompt",
            "legacy.separator",
        )
    if completion is not None and completion.strip():
        out += _check(
            completion,
            cons.stop,
            cons.stop_variant,
            cons.suggested_stop,
            "completion",
            "legacy.stop",
        )
    return tuple(out)
