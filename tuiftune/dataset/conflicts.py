"""Which rows a conflicting-label finding (``dataset.conflict``) points at: every other record
with the same prompt but a different answer, read from the linter's prompt index.

The finding's message names one line (the first other answer); a row whose loss stayed high
after training is worth comparing with all of them, so the editor lists and jumps to each.
"""

from __future__ import annotations

from tuiftune.dataset.dataset_rules import UNSET
from tuiftune.dataset.linter_state import LinterState

SHOWN = 50  # a prompt shared by thousands of rows is listed by its first ones


def conflicting_positions(linter: LinterState, pos: int, limit: int = SHOWN) -> list[int]:
    """0-based positions of the records whose prompt equals the one at ``pos`` and whose
    answer differs, in file order (empty until that record is linted, or when none)."""
    doc = linter.doc
    if not 0 <= pos < len(doc):
        return []
    rid = doc.id_at(pos)
    if rid >= len(linter._pkey):
        return []
    key = linter._pkey[rid]
    if key == UNSET or linter._prompt_index.size(key) < 2:
        return []
    target = linter._tkey[rid]
    others = [r for r in linter._prompt_index.ids(key) if linter._tkey[r] != target]
    return sorted(doc.position(r) for r in others)[:limit]
