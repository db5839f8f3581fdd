"""The final model's loss on each training row, written next to results.csv at the end of a run.

Rows whose loss stays high after training are the ones the model could not fit: often
mislabeled or contradicting another row. One JSONL line per trained row, in file order:
``{"line": 7, "loss": 0.41, "tokens": 3, "token_accuracy": 0.67}`` (``loss``: mean next-token
cross-entropy over the row's labelled tokens, the quantity training minimises; for DPO the
preferred answer's).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence as Seq
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from tuiftune.server.trainers.local_engine.batches import Batch, micro_groups
from tuiftune.server.trainers.local_engine.data import IGNORE, Example

FILENAME = "example_losses.jsonl"


@torch.no_grad()
def row_losses(
    model: Any, examples: Seq[Example], device: torch.device, pad_id: int
) -> list[tuple[float, int, int]]:
    """(summed loss, labelled tokens, argmax hits) of each example's chosen sequence."""
    was_training = model.training
    model.eval()
    out: list[tuple[float, int, int]] = []
    for group in micro_groups([len(e.chosen.input_ids) for e in examples]):
        batch = Batch([examples[i].chosen for i in group], pad_id, device)
        logits = (
            model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False)
            .logits[:, :-1, :]
            .float()
        )
        labels = batch.labels[:, 1:]
        mask = labels != IGNORE
        # Per token, then per row: the padding of the other rows never enters a row's sum.
        ce = F.cross_entropy(logits.transpose(1, 2), labels, ignore_index=IGNORE, reduction="none")
        sums = (ce * mask).sum(-1).double().cpu().tolist()
        counts = mask.sum(-1).cpu().tolist()
        hits = ((logits.argmax(-1) == labels) & mask).sum(-1).cpu().tolist()
        out += [(float(s), int(c), int(h)) for s, c, h in zip(sums, counts, hits, strict=True)]
    if was_training:
        model.train()
    return out


def write_example_losses(
    run_dir: Path, model: Any, examples: Seq[Example], device: torch.device, pad_id: int
) -> Path:
    """Compute and write ``run_dir/example_losses.jsonl`` atomically; its path."""
    rows = row_losses(model, examples, device, pad_id)
    lines = []
    for example, (total, count, hits) in zip(examples, rows, strict=True):
        loss = total / count if count else float("nan")
        lines.append(
            json.dumps(
                {
                    "line": example.line,
                    "loss": loss if math.isfinite(loss) else None,
                    "tokens": count,
                    "token_accuracy": hits / count if count else None,
                }
            )
        )
    path = run_dir / FILENAME
    tmp = path.with_name(f".{FILENAME}.tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    os.replace(tmp, path)
    return path
