"""The training run: load, tokenize, plan, step, evaluate, checkpoint, pause/cancel, save.

A hand-written loop rather than ``transformers.Trainer``: the contract needs control between
steps (pause file, SIGTERM, parent death decided by all ranks together), resumable states that
include the data position, and DPO with precomputed reference scores; the loop is ~1 forward +
backward + AdamW per step, so it runs as fast as a plain loop (bench/train_bench.py measures the
ratio), while importing and building a Trainer alone costs seconds per run on this CPU.
"""

from __future__ import annotations

import dataclasses
import math
import random
import shutil
import time
from typing import Any

import torch

from tuiftune.server.trainers.local_engine import modeling
from tuiftune.server.trainers.local_engine.config import RunConfig, RunError
from tuiftune.server.trainers.local_engine.control import ORPHAN_EXIT, Control
from tuiftune.server.trainers.local_engine.data import DataStats, Example, load_examples
from tuiftune.server.trainers.local_engine.distributed import World
from tuiftune.server.trainers.local_engine.example_losses import write_example_losses
from tuiftune.server.trainers.local_engine.hyperparams import checkpointing_wanted, resolve
from tuiftune.server.trainers.local_engine.passes import (
    Pass,
    evaluate,
    reference_logps,
    train_step,
)
from tuiftune.server.trainers.local_engine.progress import Progress, Results, counted
from tuiftune.server.trainers.local_engine.state import (
    load_state,
    load_trainable,
    restore_rng,
    save_checkpoint,
    save_state,
    state_mismatch,
    trainable,
)

VALID_SAMPLE = 32  # examples in the every-N-steps validation sample (full_valid_* uses them all)


def order(n: int, seed: int, epoch: int) -> list[int]:
    """The example order of an epoch: a function of the seed and the epoch only (resumable)."""
    gen = torch.Generator().manual_seed(seed * 1009 + epoch)
    return [int(i) for i in torch.randperm(n, generator=gen)]


def schedule(total: int) -> Any:
    """Linear warm-up over 3% of the steps (at least one), then linear decay."""
    warmup = max(1, round(total * 0.03))

    def factor(done: int) -> float:
        if done < warmup:
            return (done + 1) / warmup
        return max(0.0, (total - done) / max(1, total - warmup))

    return factor


def _describe(stats: DataStats, limit: int, what: str) -> str:
    examples, tokens = counted(stats.examples, f"{what} example"), counted(stats.tokens, "token")
    text = f"Tokenized {examples} ({tokens})"
    if stats.truncated:
        text += f"; {stats.truncated} truncated to max_seq_len {limit}"
    if stats.skipped:
        reasons = ", ".join(f"{n} {r}" for r, n in stats.reasons.items())
        text += f"; {stats.skipped} skipped ({reasons})"
    return text


class Run:
    """One training subprocess (one rank of it under DDP)."""

    def __init__(self, cfg: RunConfig, world: World, progress: Progress, control: Control) -> None:
        self.cfg = cfg
        self.world = world
        self.progress = progress
        self.control = control
        self.step = 0

    def _tokenize(self, tokenizer: Any, limit: int) -> tuple[list[Example], list[Example]]:
        cfg = self.cfg
        train, stats = load_examples(cfg.training_file, cfg.method, tokenizer, limit)
        self.progress.message(_describe(stats, limit, "training"))
        self.progress.emit(
            "tokenized",
            examples=stats.examples,
            tokens=stats.tokens,
            truncated=stats.truncated,
            skipped=stats.skipped,
            mask_fallbacks=stats.mask_fallbacks,
            max_seq_len=limit,
        )
        if not train:
            raise RunError(f"{cfg.training_file}: no example left to train on")
        valid: list[Example] = []
        if cfg.validation_file is not None:
            valid, vstats = load_examples(cfg.validation_file, cfg.method, tokenizer, limit)
            self.progress.message(_describe(vstats, limit, "validation"))
        return train, valid

    def execute(self) -> int:
        """Train to the end (0), or stop for a pause or cancel (0) or a dead parent (3)."""
        cfg, world, progress = self.cfg, self.world, self.progress
        if cfg.num_threads:
            torch.set_num_threads(cfg.num_threads)
        modeling.quiet_libraries()  # stderr.log is for what went wrong
        device = modeling.pick_device(cfg.device, world.local_rank)
        dtype = modeling.pick_dtype(cfg.dtype, device)
        from tuiftune.server.trainers.local_engine import distributed

        distributed.start(world, device)
        where = f"{device}" + (f" x{world.size} processes" if world.size > 1 else "")
        progress.message(f"Loading model {cfg.base_model} on {where} ({str(dtype)[6:]})")
        tokenizer = modeling.load_tokenizer(cfg.base_model)
        model = modeling.load_model(cfg.base_model, device, dtype)
        ctx = modeling.context_length(model)
        limit = resolve(cfg.method, cfg.hyperparameters, 1, ctx)["max_seq_len"]
        train, valid = self._tokenize(tokenizer, limit)
        hp = resolve(cfg.method, cfg.hyperparameters, len(train), ctx)
        total, per_epoch = hp["total_steps"], hp["steps_per_epoch"]
        progress.emit(
            "plan",
            total_steps=total,
            steps_per_epoch=per_epoch,
            n_epochs=hp["n_epochs"],
            resolved=hp,
            examples=len(train),
            processes=world.size,
        )
        torch.manual_seed(hp["seed"])
        random.seed(hp["seed"])
        size = sum(q.numel() for q in model.parameters())
        if checkpointing_wanted(hp["gradient_checkpointing"], device.type, size):
            modeling.enable_checkpointing(model)
            progress.message("Gradient checkpointing on: less activation memory, slower steps")
        peft_model = modeling.add_lora(model, hp, cfg.from_adapter)
        dpo = cfg.method == "dpo"
        pad_id = int(tokenizer.pad_token_id)
        p = Pass(peft_model, world, device, pad_id, dpo, hp.get("beta", 0.1))
        valid_ref: torch.Tensor | None = None
        if dpo:
            progress.message("Scoring the answers with the reference model")
            base = cfg.from_adapter is None
            p.ref = reference_logps(peft_model, train, world, device, pad_id, base)
            if valid:
                valid_ref = reference_logps(peft_model, valid, world, device, pad_id, base)
        params = [q for q in peft_model.parameters() if q.requires_grad]
        p.params = params
        optimizer = torch.optim.AdamW(params, lr=hp["learning_rate"], weight_decay=0.0)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule(total))
        start, trained_tokens = 1, 0
        if cfg.resume_from is not None:
            state = load_state(cfg.resume_from, world, device)
            problem = state_mismatch(state, hp, len(train))
            if problem is not None:
                raise RunError(
                    f"cannot resume from {cfg.resume_from}: {problem}; cancel the job and "
                    "create it again"
                )
            load_trainable(peft_model, state["trainable"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            restore_rng(state["_rng"], device)
            start, trained_tokens = state["step"] + 1, state["trained_tokens"]
            progress.message(f"Resuming from step {state['step']} of {total}")
        if world.size > 1:
            from torch.nn.parallel import DistributedDataParallel

            ids = [device.index] if device.type == "cuda" else None
            p.model = DistributedDataParallel(peft_model, device_ids=ids)
        results = Results(
            cfg.output_dir / "results.csv", start - 1 if start > 1 else None, world.main
        )
        peft_model.train()
        gen = torch.Generator().manual_seed(hp["seed"] + 7)
        sample = [int(i) for i in torch.randperm(len(valid), generator=gen)[:VALID_SAMPLE]]
        valid_pass = dataclasses.replace(p, ref=valid_ref)

        def snapshot(step: int) -> Any:
            payload = {
                "step": step,
                "trained_tokens": trained_tokens,
                "trainable": trainable(peft_model),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "resolved": hp,
                "examples": len(train),
            }
            path = save_state(cfg.output_dir, world, device, payload)
            progress.emit("state", step=step, path=str(path))
            return path

        self.control.in_loop = True
        for step in range(start, total + 1):
            self.step = step - 1
            pause, cancel, orphan = world.any(
                [world.main and self.control.paused(), self.control.cancel, self.control.orphaned],
                device,
            )
            if orphan:
                snapshot(step - 1)
                progress.message("The server went away: state saved, stopping", "warn")
                return ORPHAN_EXIT
            if cancel:
                progress.emit("cancelled", step=step - 1)
                return 0
            if pause:
                path = snapshot(step - 1)
                progress.emit("paused", step=step - 1, state=str(path))
                if world.main:
                    self.control.pause_file.unlink(missing_ok=True)
                return 0
            epoch, position = divmod(step - 1, per_epoch)
            if position == 0:
                progress.message(f"Epoch {epoch + 1} of {hp['n_epochs']}")
            ids = order(len(train), hp["seed"], epoch)[
                position * hp["batch_size"] : (position + 1) * hp["batch_size"]
            ]
            began = time.perf_counter()
            metrics: dict[str, Any] = train_step(p, train, ids, optimizer, scheduler)
            seconds = time.perf_counter() - began  # the step alone: validation is timed apart
            trained_tokens += sum(train[i].tokens for i in ids)
            self.step = step
            if valid and step % hp["eval_every_steps"] == 0:
                metrics.update(evaluate(valid_pass, peft_model, valid, sample, "valid"))
            epoch_end = position == per_epoch - 1
            if valid and epoch_end:
                full = evaluate(
                    valid_pass, peft_model, valid, list(range(len(valid))), "full_valid"
                )
                metrics.update(full)
            metrics = {k: (v if math.isfinite(v) else float("nan")) for k, v in metrics.items()}
            progress.emit(
                "metrics",
                step=step,
                total_steps=total,
                epoch=epoch + 1,
                **metrics,
                trained_tokens=trained_tokens,
                step_seconds=seconds,
                eval_seconds=time.perf_counter() - began - seconds,
            )
            results.add(step, metrics)
            if epoch_end:
                self._epoch_end(peft_model, step, epoch + 1, metrics)
                if step < total:
                    snapshot(step)
        self.control.in_loop = False
        results.close()
        if world.main:
            progress.message("Saving the final adapter")
            final = cfg.output_dir / "final"
            shutil.rmtree(final, ignore_errors=True)
            peft_model.save_pretrained(str(final))
            losses = write_example_losses(cfg.output_dir, peft_model, train, device, pad_id)
            progress.message(f"Per-example training losses of the final model in {losses.name}")
        world.barrier()
        progress.emit(
            "done",
            status="succeeded",
            adapter=str(cfg.output_dir / "final"),
            trained_tokens=trained_tokens,
            result_csv=str(results.path),
        )
        return 0

    def _epoch_end(self, peft_model: Any, step: int, epoch: int, metrics: dict[str, Any]) -> None:
        """An adapter checkpoint per epoch (rank 0), the last ``keep_checkpoints`` kept."""
        if not self.world.main:
            return
        loss = metrics.get("train_loss", float("nan"))
        text = f"Epoch {epoch} done at step {step}: train loss {loss:.4f}"
        if "full_valid_loss" in metrics:
            text += f", full validation loss {metrics['full_valid_loss']:.4f}"
        self.progress.message(text)

        def removed(path: Any) -> None:
            self.progress.emit("checkpoint_removed", path=str(path))

        path = save_checkpoint(
            self.cfg.output_dir, peft_model, step, self.cfg.keep_checkpoints, removed
        )
        self.progress.emit("checkpoint", step=step, epoch=epoch, path=str(path), metrics=metrics)
