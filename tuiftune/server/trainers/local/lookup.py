"""Model names of the local trainer: bases and the adapters behind ``ft:`` names, and the
sampling controls every responder passes on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuiftune.server.catalog import base_of
from tuiftune.server.generation import Generation
from tuiftune.server.trainers.base import ResolvedModel, TrainerHost
from tuiftune.server.trainers.local.ports import LocalTrainerPort


@dataclass(frozen=True)
class Target:
    """What generates for a model name: a base model and maybe an adapter folder."""

    base: str
    adapter: str | None
    name: str


class ModelLookup:
    """Resolves base names and the ``ft:`` names of the trainer's jobs and checkpoints."""

    def __init__(self, trainer: LocalTrainerPort, host: TrainerHost) -> None:
        self.trainer = trainer
        self.host = host

    def resolve(self, name: str) -> ResolvedModel | None:
        """A base model, or a fine-tuned model or checkpoint whose adapter still exists."""
        base = self.trainer.base_model(name)
        if base is not None:
            return ResolvedModel(name, base, completions=True, detail=Target(name, None, name))
        found = self.host.find_model(name) if name.startswith("ft:") else None
        base = self.trainer.base_model(base_of(name))
        if found is None or base is None:
            return None
        adapter = self.trainer.adapter_for(found[0], name)
        if adapter is None:
            return None
        return ResolvedModel(name, base, completions=True, detail=Target(base.id, adapter, name))


def gen_params(gen: Generation, choice: int, tools: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The request's sampling controls; each of ``n`` seeded choices gets its own seed."""
    seed = gen.sampling.seed
    return {
        "temperature": gen.sampling.temperature,
        "top_p": gen.sampling.top_p,
        "max_tokens": gen.max_tokens,
        "stop": list(gen.stop),
        "seed": None if seed is None else seed + choice,
        "tools": tools,
    }
