"""What the dataset-level rules read of a linter's state, as a Protocol: ``dataset_rules`` names
it instead of ``Linter`` (which calls those rules), so the two modules form no import cycle."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Protocol

from tuiftune.dataset.document import Document
from tuiftune.dataset.findings import Finding
from tuiftune.dataset.formats import Format
from tuiftune.dataset.multimap import CompactIndex
from tuiftune.dataset.token_counter import TokenCounter


class LinterState(Protocol):
    """The linter's per-record key columns, indexes and counts (``linter.Linter`` has them)."""

    doc: Document
    counter: TokenCounter
    _fmt: bytearray
    _indexed: bytearray
    _dup: array[int]
    _pkey: array[int]
    _tkey: array[int]
    _dup_index: CompactIndex
    _prompt_index: CompactIndex
    _first_dup: dict[int, int]
    _targets: dict[int, dict[int, int]]

    @property
    def main_format(self) -> Format: ...

    @property
    def ready(self) -> bool: ...

    @property
    def _ctx(self) -> dict[int, tuple[Finding, ...]]: ...

    def format_counts(self) -> dict[Format, int]: ...

    def examples(self) -> int: ...

    def labels(self) -> Iterator[str]: ...

    def _first(self, ids: list[int]) -> int: ...

    def _first_by_target(self, ids: list[int]) -> dict[int, int]: ...
