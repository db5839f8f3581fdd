"""One optimizer step and one evaluation pass, for SFT and DPO, data parallel or not.

Every rank knows the whole dataset, so label counts (the loss normaliser) need no communication:
each rank scales its summed loss by ``world / global count`` and DDP's gradient average turns that
into the mean over the whole step's tokens (or pairs), exactly as with one process.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence as Seq
from dataclasses import dataclass
from typing import Any

import torch

from tuiftune.server.trainers.local_engine.batches import Batch, label_count, micro_groups
from tuiftune.server.trainers.local_engine.data import Example
from tuiftune.server.trainers.local_engine.distributed import World
from tuiftune.server.trainers.local_engine.steps import dpo_terms, sequence_logps, token_sums


@dataclass
class Pass:
    """What a step or an evaluation needs besides the examples."""

    model: Any  # the (possibly DDP-wrapped) module called for training forwards
    world: World
    device: torch.device
    pad_id: int
    dpo: bool
    beta: float = 0.1
    ref: torch.Tensor | None = None  # DPO reference log-probs: [examples, 2] (chosen, rejected)
    params: list[torch.Tensor] = dataclasses.field(default_factory=list)  # the trainable ones


def _groups(examples: Seq[Example], dpo: bool) -> list[list[int]]:
    if dpo:
        widths = [max(len(e.chosen.input_ids), len(e.rejected.input_ids)) for e in examples]  # type: ignore[union-attr]
        return micro_groups(widths, rows_per_item=2)
    return micro_groups([len(e.chosen.input_ids) for e in examples])


def _rows(examples: Seq[Example], group: list[int], dpo: bool) -> list[Any]:
    chosen = [examples[i].chosen for i in group]
    if not dpo:
        return chosen
    return chosen + [examples[i].rejected for i in group]


def _forward(
    p: Pass, model: Any, examples: Seq[Example], ids: list[int], group: list[int]
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Summed loss of one micro-batch and its metric sums."""
    batch = Batch(_rows(examples, group, p.dpo), p.pad_id, p.device)
    if not p.dpo:
        sums = token_sums(model, batch)
        return sums.loss, [sums.loss.detach(), sums.correct, sums.count]
    out = sequence_logps(model, batch)
    n = len(group)
    assert p.ref is not None
    ref = p.ref[torch.tensor([ids[i] for i in group], device=p.ref.device)].to(p.device)
    loss, margin = dpo_terms(out.logps[:n], out.logps[n:], ref[:, 0], ref[:, 1], p.beta)
    detached = margin.detach()
    metrics = [
        loss.detach().sum(),
        out.correct[:n].sum(),
        out.count[:n].sum(),
        detached.sum(),
        (detached > 0).sum(),
    ]
    return loss.sum(), metrics


def _summarise(p: Pass, sums: list[float], pairs: int, prefix: str) -> dict[str, float]:
    loss, correct, count = sums[0], sums[1], sums[2]
    if p.dpo:
        out = {
            f"{prefix}_loss": loss / max(pairs, 1),
            f"{prefix}_mean_token_accuracy": correct / max(count, 1),
            f"{prefix}_reward_margin": sums[3] / max(pairs, 1),
            f"{prefix}_reward_accuracy": sums[4] / max(pairs, 1),
        }
    else:
        out = {
            f"{prefix}_loss": loss / max(count, 1),
            f"{prefix}_mean_token_accuracy": correct / max(count, 1),
        }
    return out


def train_step(
    p: Pass, examples: Seq[Example], ids: list[int], optimizer: Any, scheduler: Any
) -> dict[str, float]:
    """Forward and backward over the step's examples (this rank's share), then one update."""
    chosen = [examples[i] for i in ids]
    denominator = len(ids) if p.dpo else label_count([e.chosen for e in chosen])
    scale = p.world.size / max(denominator, 1)
    mine = ids[p.world.rank :: p.world.size]
    local = [examples[i] for i in mine]
    groups = _groups(local, p.dpo) if local else []
    width = 5 if p.dpo else 3
    totals = [0.0] * width
    if not groups:
        # A rank with no example this step still joins the gradient all-reduce, with zero weight.
        loss, _ = _forward(p, p.model, [examples[ids[0]]], [ids[0]], [0])
        (loss * 0.0).backward()  # type: ignore[no-untyped-call]
    for k, group in enumerate(groups):
        last = k == len(groups) - 1
        sync = contextlib.nullcontext() if last or p.world.size == 1 else p.model.no_sync()
        with sync:
            loss, metrics = _forward(p, p.model, local, mine, group)
            (loss * scale).backward()  # type: ignore[no-untyped-call]
        totals = [t + float(m) for t, m in zip(totals, metrics, strict=True)]
    torch.nn.utils.clip_grad_norm_(p.params, 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    sums = p.world.sum(totals, p.device)
    return _summarise(p, sums, len(ids), "train")


@torch.no_grad()
def evaluate(
    p: Pass, model: Any, examples: Seq[Example], ids: list[int], prefix: str
) -> dict[str, float]:
    """Mean loss and accuracy over ``ids`` (shared out among the ranks), without dropout."""
    was_training = model.training
    model.eval()
    mine = ids[p.world.rank :: p.world.size]
    local = [examples[i] for i in mine]
    width = 5 if p.dpo else 3
    totals = [0.0] * width
    for group in _groups(local, p.dpo) if local else []:
        _, metrics = _forward(p, model, local, mine, group)
        totals = [t + float(m) for t, m in zip(totals, metrics, strict=True)]
    if was_training:
        model.train()
    return _summarise(p, p.world.sum(totals, p.device), len(ids), prefix)


@torch.no_grad()
def reference_logps(
    model: Any, examples: Seq[Example], world: World, device: torch.device, pad_id: int, base: bool
) -> torch.Tensor:
    """DPO reference scores, computed once: the frozen start (the base with the adapter off, or
    the ``from_adapter`` weights) never changes, so per-step reference passes would repeat it."""
    out = torch.zeros((len(examples), 2), dtype=torch.float64)
    was_training = model.training
    model.eval()
    mine = list(range(world.rank, len(examples), world.size))
    local = [examples[i] for i in mine]
    off = model.disable_adapter() if base else contextlib.nullcontext()
    with off:
        for group in _groups(local, True) if local else []:
            batch = Batch(_rows(local, group, True), pad_id, device)
            logps = sequence_logps(model, batch).logps.double().cpu()
            n = len(group)
            for row, index in enumerate(group):
                out[mine[index], 0] = logps[row]
                out[mine[index], 1] = logps[n + row]
    if was_training:
        model.train()
    if world.size > 1:
        import torch.distributed as dist

        moved = out.to(device)
        dist.all_reduce(moved)
        out = moved.cpu()
    return out
