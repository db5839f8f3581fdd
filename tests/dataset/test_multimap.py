"""The compact key index agrees with a plain dict of sets under any add/remove sequence."""

from __future__ import annotations

from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from tuiftune.dataset.multimap import CompactIndex


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 2999)), max_size=3000))
def test_matches_a_dict_of_sets(ops: list[tuple[bool, int]]) -> None:
    # Keys collide on purpose: few distinct values, many sharing low bits of the table.
    keys: array[int] = array("q", [((i % 37) << 20) | (i % 5) for i in range(3000)])
    index = CompactIndex(keys, capacity=4)
    model: dict[int, set[int]] = {}
    for add, rid in ops:
        key = keys[rid]
        if add and rid not in model.get(key, set()):
            index.add(key, rid)
            model.setdefault(key, set()).add(rid)
        elif not add and rid in model.get(key, set()):
            index.remove(key, rid)
            model[key].discard(rid)
    for key in {keys[r] for r in range(3000)}:
        assert sorted(index.ids(key)) == sorted(model.get(key, set()))
        assert index.size(key) == len(model.get(key, set()))
    assert index.multi == sum(1 for ids in model.values() if len(ids) > 1)
    assert index.extra == sum(len(ids) - 1 for ids in model.values() if ids)
    groups = sorted(sorted(group) for group in index.groups())
    assert groups == sorted(sorted(ids) for ids in model.values() if len(ids) > 1)
