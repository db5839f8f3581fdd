"""The losses: next-token cross-entropy on labelled tokens (SFT) and DPO on sequence log-probs."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from tuiftune.server.trainers.local_engine.batches import Batch
from tuiftune.server.trainers.local_engine.data import IGNORE


@dataclass
class TokenSums:
    """Summed loss, correct argmax predictions and labelled tokens of a forward pass."""

    loss: torch.Tensor
    correct: torch.Tensor
    count: torch.Tensor


def _shifted(model: torch.nn.Module, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """All logits, and labels shifted left by one (padded with IGNORE): no copy of the logits."""
    out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False)
    labels = F.pad(batch.labels[:, 1:], (0, 1), value=IGNORE)
    return out.logits.float(), labels


def token_sums(model: torch.nn.Module, batch: Batch) -> TokenSums:
    """Cross-entropy summed over the labelled tokens, with the argmax hits and the count."""
    logits, labels = _shifted(model, batch)
    mask = labels != IGNORE
    loss = F.cross_entropy(
        logits.reshape(-1, logits.size(-1)),
        labels.reshape(-1),
        ignore_index=IGNORE,
        reduction="sum",
    )
    with torch.no_grad():
        correct = ((logits.argmax(-1) == labels) & mask).sum()
    return TokenSums(loss, correct, mask.sum())


@dataclass
class SequenceLogps:
    """Per-row summed log-probability of the labelled tokens, and per-row argmax hits and counts."""

    logps: torch.Tensor
    correct: torch.Tensor
    count: torch.Tensor


def sequence_logps(model: torch.nn.Module, batch: Batch) -> SequenceLogps:
    """Sum of log p(label) per row (the DPO policy or reference score of each answer)."""
    logits, labels = _shifted(model, batch)
    mask = labels != IGNORE
    safe = labels.masked_fill(~mask, 0)
    logp = torch.log_softmax(logits, -1).gather(-1, safe.unsqueeze(-1)).squeeze(-1)
    sums = (logp * mask).sum(-1)
    with torch.no_grad():
        correct = ((logits.argmax(-1) == labels) & mask).sum(-1)
    return SequenceLogps(sums, correct, mask.sum(-1))


def dpo_terms(
    policy_chosen: torch.Tensor,
    policy_rejected: torch.Tensor,
    ref_chosen: torch.Tensor,
    ref_rejected: torch.Tensor,
    beta: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-pair DPO loss and reward margin (beta times the log-ratio difference)."""
    margin = beta * ((policy_chosen - ref_chosen) - (policy_rejected - ref_rejected))
    return -F.logsigmoid(margin), margin
