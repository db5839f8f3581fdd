"""The editor's loss order at scale, side by side with file order, in one run.

A document of N short chat rows (default 1,000,000), a loss for every row, then:

* placing the losses on the records (``RowLosses``: by line, and by content when every row
  has moved) and sorting (``LossOrder``: one numpy argsort): once, on the load or sort action;
* what a key costs once sorted: a page of rows mapped to positions and drawn-row contents
  (``pos_of_row`` + ``row_at``), a go-to-line (``row_of_pos``), an edit (the new record id
  replacing the old one in the order), against the same in file order.

Run: ``python bench/loss_sort_bench.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable

from tuiftune.dataset.io import load_bytes
from tuiftune.dataset.session import EditorSession
from tuiftune.evaluation.example_losses import ExampleLoss
from tuiftune.evaluation.row_losses import RowLosses, training_lines
from tuiftune.ui.dataset.list_order import LossOrder

PAGE = 22  # rows drawn at 80x24


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best of ``repeat`` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    n = parser.parse_args().rows
    rng = random.Random(7)
    rows = [
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": f"q{i}"},
                    {"role": "assistant", "content": f"a{i}"},
                ]
            }
        )
        for i in range(n)
    ]
    data = ("\n".join(rows) + "\n").encode()
    session = EditorSession(load_bytes(data))
    losses = {i + 1: ExampleLoss(i + 1, rng.random() * 3, 10) for i in range(n)}
    lines = training_lines(data)
    moved = training_lines(("\n".join(rows[1:] + rows[:1]) + "\n").encode())

    print(f"{n:,} rows")
    place = timed(lambda: RowLosses(session.doc, losses, lines))
    by_content = timed(lambda: RowLosses(session.doc, losses, moved))
    placed = RowLosses(session.doc, losses, lines)
    order = LossOrder(session, placed)
    sort = timed(order.ids)
    print(f"place losses (by line)           {place:9.1f} ms   (load action, in a thread)")
    print(f"place losses (every row moved)   {by_content:9.1f} ms   (load action, in a thread)")
    print(f"sort by loss                     {sort:9.1f} ms   (the l key)")

    top = n // 2

    def page_sorted() -> None:
        for r in range(top, top + PAGE):
            session.row_at(order.pos_of_row(r))

    def page_file() -> None:
        for r in range(top, top + PAGE):
            session.row(r)

    target = rng.randrange(n)
    sorted_page, file_page = timed(page_sorted, 20), timed(page_file, 20)
    goto_sorted = timed(lambda: order.row_of_pos(target), 20)
    goto_file = timed(lambda: session.row_of_pos(target), 20)
    print(
        f"a page of rows, sorted / file    {sorted_page:9.3f} / {file_page:.3f} ms  "
        f"({sorted_page / file_page:.1f}x)"
    )
    print(f"go to a line, sorted / file      {goto_sorted:9.3f} / {goto_file:.3f} ms")
    pos = rng.randrange(n)
    edit = timed(lambda: session.replace_text(pos, rows[pos].replace("q", "Q", 1)))
    after = timed(order.ids)
    print(
        f"an edit while sorted             {edit:9.1f} ms   (then {after:.3f} ms to the order:"
        " no re-sort)"
    )


if __name__ == "__main__":
    main()
