"""Change listeners can be taken off a document again: by ``unsubscribe`` or by the callable
``subscribe`` returns; a linter replaced in the editor (``model_choice.detach``) stops following
the document's edits."""

from __future__ import annotations

from tuiftune.dataset import Document, load_bytes
from tuiftune.dataset.linter import Linter
from tuiftune.dataset.model_choice import detach

ROW = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}'


def test_unsubscribe_and_the_returned_callable_stop_the_calls() -> None:
    doc: Document = load_bytes(ROW + b"\n")
    first: list[list[int]] = []
    second: list[list[int]] = []

    def on_first(removed: list[int], added: list[int]) -> None:
        first.append(added)

    stop_second = doc.subscribe(lambda removed, added: second.append(added))
    doc.subscribe(on_first)
    doc.insert(1, ROW)
    assert len(first) == len(second) == 1
    doc.unsubscribe(on_first)
    stop_second()
    doc.insert(1, ROW)
    assert len(first) == len(second) == 1
    # Taking off what is not there (again, or never subscribed) is no error.
    doc.unsubscribe(on_first)
    stop_second()


def test_a_detached_linter_no_longer_lints_the_edits() -> None:
    doc: Document = load_bytes(ROW + b"\n")
    kept, replaced = Linter(doc), Linter(doc)
    kept.run()
    replaced.run()
    detach(doc, replaced)
    rid = doc.insert(1, ROW)
    assert kept.is_linted(rid)
    assert not replaced.is_linted(rid)
