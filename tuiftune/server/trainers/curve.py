"""A plausible loss curve: seeded, noisy, decreasing; a pure function of (seed, plan, step)."""

from __future__ import annotations

import functools
import math
import random

from tuiftune.server.records import TrainingPlan
from tuiftune.server.trainers.progress import StepMetrics


def _shape(seed: int, plan: TrainingPlan) -> tuple[float, float, float]:
    return _shape_of(seed, plan.n_epochs, plan.learning_rate_multiplier)


# A page of events renders a step's metrics per event; seeding a Random from a string was 11 of
# its 28 us. Keyed on what the shape reads, so any plan (an error one too) can be looked up.
@functools.lru_cache(maxsize=256)
def _shape_of(seed: int, n_epochs: int, lr_multiplier: float) -> tuple[float, float, float]:
    rng = random.Random(f"curve:{seed}")
    start = rng.uniform(1.6, 3.2)
    # More epochs and a bolder learning rate reach a lower floor, as on the real service.
    epochs_factor = math.sqrt(3 / max(1, n_epochs))
    lr_factor = min(2.0, max(0.25, lr_multiplier)) ** 0.3
    floor = start * rng.uniform(0.05, 0.12) * epochs_factor / lr_factor
    rate = rng.uniform(3.5, 6.0)
    return start, floor, rate


def _accuracy(loss: float, noise: float) -> float:
    return round(min(1.0, max(0.0, math.exp(-0.55 * loss) + noise)), 5)


def computes_validation(plan: TrainingPlan, step: int) -> bool:
    """Whether a validation batch is scored at ``step`` (periodically, and at epoch ends)."""
    if not plan.has_validation:
        return False
    every = max(1, plan.steps_per_epoch // 5)
    return step % every == 0 or is_epoch_end(plan, step)


def is_epoch_end(plan: TrainingPlan, step: int) -> bool:
    """Whether ``step`` is the last step of an epoch."""
    return plan.steps_per_epoch > 0 and step % plan.steps_per_epoch == 0


def step_metrics(seed: int, plan: TrainingPlan, step: int) -> StepMetrics:
    """The metrics of ``step`` (1-based) of a job with this seed and plan."""
    start, floor, rate = _shape(seed, plan)
    progress = step / max(1, plan.total_steps)
    smooth = floor + (start - floor) * math.exp(-rate * progress)
    rng = random.Random(f"step:{seed}:{step}")
    train = smooth * (1 + rng.gauss(0, 0.08))
    if rng.random() < 0.02:  # the odd hard batch
        train *= rng.uniform(1.3, 1.8)
    train = max(0.0005, train)
    train_acc = _accuracy(train, rng.gauss(0, 0.015))
    valid = valid_acc = full = full_acc = None
    if computes_validation(plan, step):
        overfit = floor * 2 * max(0.0, progress - 0.7) if plan.n_epochs > 3 else 0.0
        valid_smooth = smooth * 1.1 + floor * 0.3 + overfit
        valid = round(max(0.0005, valid_smooth * (1 + rng.gauss(0, 0.12))), 5)
        valid_acc = _accuracy(valid, rng.gauss(0, 0.02))
        if is_epoch_end(plan, step):
            full = round(valid_smooth * (1 + rng.gauss(0, 0.02)), 5)
            full_acc = _accuracy(full, 0.0)
    return StepMetrics(step, round(train, 5), train_acc, valid, valid_acc, full, full_acc)
