"""Per-example training losses placed on the records of an open file, and the file's rows in
loss order, for the editor's loss column.

The losses name lines of the job's training file. A record of the open file gets a line's
loss when it holds that line's bytes: at the same line, else anywhere (by content, so a file
edited or reordered since the job keeps the losses of the rows it did not change). Without
the training file's bytes the lines are taken as they are (the file is assumed unchanged).

Losses sit in a numpy array indexed by record id: a record moved keeps its loss, an edited
one (a new id) has none, and sorting a million rows is one ``argsort`` (about 0.1 s), done
only when asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tuiftune.dataset.document import Document
from tuiftune.evaluation.example_losses import ExampleLoss, high_loss_rows

IdArray = npt.NDArray[np.int64]


def training_lines(data: bytes) -> list[bytes]:
    """A training file's lines without line endings (and without a leading BOM)."""
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.removesuffix(b"\r") for line in lines]


@dataclass(frozen=True)
class Matched:
    """How the losses met the open file's records."""

    by_line: int  # the record at the loss's line holds the trained bytes
    by_content: int  # found elsewhere in the file (it was edited or reordered)
    missing: int  # no record holds the trained row any more (edited or deleted)
    checked: bool  # False when the training file's bytes were not at hand


class RowLosses:
    """The losses of the records of one document, by record id; the high ones marked."""

    def __init__(
        self,
        doc: Document,
        losses: Mapping[int, ExampleLoss],
        trained: Sequence[bytes] | None = None,
    ) -> None:
        self.doc = doc
        self.loss: npt.NDArray[np.float64] = np.full(doc.next_id, np.nan)
        self.tokens: dict[int, int] = {}
        placed = self._place(losses, trained)
        self.matched = placed
        kept = {line: losses[line] for line in self._line_of.values()}
        by_line = {v: k for k, v in self._line_of.items()}
        self.high: frozenset[int] = frozenset(by_line[r.line] for r in high_loss_rows(kept))

    def _place(self, losses: Mapping[int, ExampleLoss], trained: Sequence[bytes] | None) -> Matched:
        doc = self.doc
        self._line_of: dict[int, int] = {}  # record id -> the training line its loss is of
        by_line = by_content = missing = 0
        index: dict[int, list[int]] | None = None
        for line in sorted(losses):
            pos = line - 1
            if trained is None:
                rid = doc.id_at(pos) if pos < len(doc) else None
                by_line += rid is not None
            else:
                want = trained[pos] if pos < len(trained) else None
                rid = None
                if want is not None and pos < len(doc) and doc.raw_at(pos) == want:
                    rid = doc.id_at(pos)
                    by_line += 1
                elif want is not None:
                    if index is None:  # built once, only when some row moved or changed
                        index = {}
                        for r in doc.ids():
                            index.setdefault(hash(doc.raw(r)), []).append(r)
                    rid = next(
                        (
                            r
                            for r in index.get(hash(want), ())
                            if r not in self._line_of and doc.raw(r) == want
                        ),
                        None,
                    )
                    by_content += rid is not None
            if rid is None or rid in self._line_of:
                missing += 1
                continue
            self._line_of[rid] = line
            self.loss[rid] = losses[line].loss
            self.tokens[rid] = losses[line].tokens
        return Matched(by_line, by_content, missing, trained is not None)

    def __len__(self) -> int:
        return len(self._line_of)

    def loss_of(self, rid: int) -> float | None:
        """A record's loss (None for a record trained on nothing, or edited since)."""
        if rid >= len(self.loss):
            return None
        value = float(self.loss[rid])
        return None if value != value else value  # NaN: no loss

    def trained_line(self, rid: int) -> int | None:
        """The training file's line a record's loss is of."""
        return self._line_of.get(rid)

    def order(self, ids: IdArray) -> IdArray:
        """``ids`` sorted by loss, highest first; rows without a loss last, ties in the
        order given (a stable sort, so file order)."""
        keys = np.full(len(ids), np.nan)
        inside = ids < len(self.loss)
        keys[inside] = self.loss[ids[inside]]
        # NaN sorts last in numpy, and -NaN is NaN: rows without a loss stay at the end.
        ranked: IdArray = ids[np.argsort(-keys, kind="stable")]
        return ranked
