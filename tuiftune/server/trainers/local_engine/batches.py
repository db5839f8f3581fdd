"""Padding sequences into tensors, and splitting a step's examples into micro-batches."""

from __future__ import annotations

from collections.abc import Sequence as Seq

import torch

from tuiftune.server.trainers.local_engine.data import IGNORE, Sequence

# Padded tokens per forward pass: bounds activation memory; the loss is normalised by the whole
# step's label count, so the split does not change the result (beyond float summation order).
MICRO_BATCH_TOKENS = 16_384


class Batch:
    """Right-padded ``input_ids``, ``attention_mask`` and ``labels`` on a device."""

    def __init__(self, seqs: Seq[Sequence], pad_id: int, device: torch.device) -> None:
        width = max(len(s.input_ids) for s in seqs)
        ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
        labels = torch.full((len(seqs), width), IGNORE, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for row, seq in enumerate(seqs):
            n = len(seq.input_ids)
            ids[row, :n] = torch.tensor(seq.input_ids)
            labels[row, :n] = torch.tensor(seq.labels)
            mask[row, :n] = 1
        self.input_ids = ids.to(device)
        self.attention_mask = mask.to(device)
        self.labels = labels.to(device)
        self.tokens = int(mask.sum())


def micro_groups(
    widths: Seq[int], rows_per_item: int = 1, budget: int = MICRO_BATCH_TOKENS
) -> list[list[int]]:
    """Consecutive index groups whose padded size stays within ``budget`` (one item at least)."""
    groups: list[list[int]] = []
    group: list[int] = []
    width = 0
    for index, item_width in enumerate(widths):
        new_width = max(width, item_width)
        if group and new_width * rows_per_item * (len(group) + 1) > budget:
            groups.append(group)
            group, new_width = [], item_width
        group.append(index)
        width = new_width
    if group:
        groups.append(group)
    return groups


def label_count(seqs: Seq[Sequence]) -> int:
    """Tokens that carry a loss (labels shifted by one, as the model predicts the next token)."""
    return sum(sum(1 for label in s.labels[1:] if label != IGNORE) for s in seqs)
