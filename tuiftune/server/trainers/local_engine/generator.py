"""Answering with a base model or a trained adapter: chat (via the chat template) and completions.

Imported lazily by the server when ``--trainer local`` is used, and called from worker threads.
One lock per base model is held while a generation runs (iterate its pieces to the end, or close
the iterator, to release it). Adapters are loaded into the base model's ``PeftModel`` by name and
the least recently used one is dropped when more than ``max_loaded_adapters`` are loaded.
Decoding is a plain KV-cached loop (no ``model.generate``): it streams pieces as they are decoded,
holds back text that could begin a stop sequence, and costs less per token than ``generate``.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from tuiftune.server.trainers.local_engine import modeling
from tuiftune.server.trainers.local_engine.chat import inline_tools, normalize, template_takes_tools
from tuiftune.server.trainers.local_engine.config import RequestError, RunError


@dataclass(frozen=True)
class GenParams:
    """Sampling settings: ``temperature`` 0 is greedy; ``max_tokens`` None: up to the context."""

    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int | None = None
    stop: Sequence[str] = ()
    seed: int | None = None
    tools: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Usage:
    """Token counts of one generation."""

    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        """Prompt and completion together."""
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Piece:
    """A text delta; the last piece of a generation carries ``finish_reason`` and ``usage``."""

    text: str
    finish_reason: str | None = None
    usage: Usage | None = None


@dataclass
class _Loaded:
    tokenizer: Any
    model: Any
    eos: set[int]
    context: int
    cache_arg: str  # "cache" in transformers 5, "past_key_values" before
    lock: threading.Lock = field(default_factory=threading.Lock)
    adapters: OrderedDict[tuple[str, float], str] = field(default_factory=OrderedDict)
    counter: int = 0
    active: str | None = None


class Generator:
    """Base models by name, each with its LRU of loaded adapters."""

    def __init__(
        self,
        base_models: Mapping[str, str],
        max_loaded_adapters: int = 4,
        device: str = "auto",
        dtype: str = "auto",
        num_threads: int | None = None,
    ) -> None:
        modeling.quiet_libraries()  # this runs in the server: its terminal is the user's
        self.base_models = dict(base_models)
        self.max_loaded_adapters = max(1, max_loaded_adapters)
        self.device = modeling.pick_device(device)
        self.dtype = modeling.pick_dtype(dtype, self.device)
        if num_threads:
            torch.set_num_threads(num_threads)
        self._loaded: dict[str, _Loaded] = {}
        self._loading = threading.Lock()

    def _base(self, name: str) -> _Loaded:
        with self._loading:
            if name in self._loaded:
                return self._loaded[name]
            if name not in self.base_models:
                raise KeyError(f"unknown base model: {name}")
            path = self.base_models[name]
            tokenizer = modeling.load_tokenizer(path)
            model = modeling.load_model(path, self.device, self.dtype)
            model.config.use_cache = True
            model.eval()
            eos = model.generation_config.eos_token_id
            ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
            if tokenizer.eos_token_id is not None:
                ids.add(int(tokenizer.eos_token_id))
            context = modeling.context_length(model) or 2048
            takes = inspect.signature(model.forward).parameters
            cache_arg = "cache" if "cache" in takes else "past_key_values"
            loaded = _Loaded(tokenizer, model, ids, context, cache_arg)
            self._loaded[name] = loaded
            return loaded

    def _activate(
        self, loaded: _Loaded, adapter: str | None
    ) -> contextlib.AbstractContextManager[Any]:
        """Make ``adapter`` the active one (loading it if needed); None switches adapters off."""
        if adapter is None:
            if hasattr(loaded.model, "disable_adapter"):
                return loaded.model.disable_adapter()  # type: ignore[no-any-return]
            return contextlib.nullcontext()
        weights = Path(adapter) / "adapter_model.safetensors"
        key = (str(Path(adapter).resolve()), weights.stat().st_mtime if weights.exists() else 0.0)
        name = loaded.adapters.get(key)
        if name is None:
            if not (Path(adapter) / "adapter_config.json").is_file():
                raise FileNotFoundError(f"adapter folder not found: {adapter}")
            loaded.counter += 1
            name = f"adapter{loaded.counter}"
            if hasattr(loaded.model, "load_adapter") and loaded.adapters:
                loaded.model.load_adapter(adapter, adapter_name=name)
                loaded.active = None
            else:
                from peft import PeftModel

                modeling.ignore_peft_checkpointing_probe()
                loaded.model = PeftModel.from_pretrained(loaded.model, adapter, adapter_name=name)
                loaded.model.eval()
                loaded.active = name
            loaded.adapters[key] = name
            while len(loaded.adapters) > self.max_loaded_adapters:
                _, old = loaded.adapters.popitem(last=False)
                loaded.model.delete_adapter(old)
                loaded.active = None
        loaded.adapters.move_to_end(key)
        if loaded.active != name:  # set_adapter walks every module: only when it changes
            loaded.model.set_adapter(name)
            loaded.active = name
        return contextlib.nullcontext()

    def chat_prompt_ids(
        self, model_base: str, messages: list[dict[str, Any]], tools: list[Any] | None
    ) -> list[int]:
        """The prompt tokens of a conversation, ending with the template's generation prompt."""
        loaded = self._base(model_base)
        try:
            conversation = normalize(messages, "messages")
        except RunError as exc:
            raise RequestError(str(exc)) from exc
        kwargs: dict[str, Any] = {}
        if tools and template_takes_tools(loaded.tokenizer.chat_template):
            kwargs["tools"] = tools
        elif tools:
            conversation = inline_tools(conversation, tools)
        from jinja2 import TemplateError  # transformers renders chat templates with jinja2

        try:
            text = loaded.tokenizer.apply_chat_template(
                conversation, tokenize=False, add_generation_prompt=True, **kwargs
            )
        except TemplateError as exc:  # the template refuses this conversation (say, roles)
            raise RequestError(f"{model_base}'s chat template refused the messages: {exc}") from exc
        return list(loaded.tokenizer(str(text), add_special_tokens=False)["input_ids"])

    def chat(
        self,
        model_base: str,
        adapter: str | None,
        messages: list[dict[str, Any]],
        params: GenParams,
    ) -> Iterator[Piece]:
        """Stream the assistant's answer to ``messages``."""
        ids = self.chat_prompt_ids(model_base, messages, params.tools)
        return self._generate(model_base, adapter, ids, params)

    def complete(
        self, model_base: str, adapter: str | None, prompt: str, params: GenParams
    ) -> Iterator[Piece]:
        """Stream the continuation of ``prompt`` (tokenized as legacy training data is)."""
        loaded = self._base(model_base)
        ids = list(loaded.tokenizer(prompt, add_special_tokens=True)["input_ids"])
        return self._generate(model_base, adapter, ids, params)

    def _generate(
        self, model_base: str, adapter: str | None, ids: list[int], params: GenParams
    ) -> Iterator[Piece]:
        _check(params)
        loaded = self._base(model_base)
        if len(ids) >= loaded.context:
            raise RequestError(
                f"the prompt is {len(ids)} tokens; {model_base} reads at most {loaded.context}"
            )
        budget = loaded.context - len(ids)
        if params.max_tokens is not None:
            budget = min(budget, max(1, params.max_tokens))
        with loaded.lock, self._activate(loaded, adapter), torch.inference_mode():
            yield from _decode(loaded, ids, budget, params, self.device)

    def close(self) -> None:
        """Drop the loaded models."""
        with self._loading:
            self._loaded.clear()


def _check(params: GenParams) -> None:
    """Settings the decoder cannot follow are the caller's error (the server checks these too;
    the Generator is also called directly, by bench/ and tests)."""
    if not 0 <= params.temperature <= 2:
        raise RequestError(f"temperature must be between 0 and 2, got {params.temperature}")
    if not 0 < params.top_p <= 1:
        raise RequestError(f"top_p must be above 0 and at most 1, got {params.top_p}")
    if params.max_tokens is not None and params.max_tokens < 1:
        raise RequestError(f"max_tokens must be at least 1, got {params.max_tokens}")


def _sampler(params: GenParams, device: torch.device) -> torch.Generator:
    gen = torch.Generator(device=device)
    seed = params.seed if params.seed is not None else int.from_bytes(os.urandom(8), "little") >> 1
    gen.manual_seed(seed)
    return gen


def _pick(logits: torch.Tensor, params: GenParams, gen: torch.Generator) -> int:
    if params.temperature < 1e-5:  # the limit of sampling as T -> 0; l / T would overflow
        return int(logits.argmax())
    probs = torch.softmax(logits.float() / params.temperature, -1)
    if params.top_p < 1.0:
        sorted_probs, order = probs.sort(descending=True)
        cut = sorted_probs.cumsum(-1) - sorted_probs > params.top_p
        sorted_probs[cut] = 0.0
        return int(order[torch.multinomial(sorted_probs, 1, generator=gen)])
    return int(torch.multinomial(probs, 1, generator=gen))


def _held(text: str, stops: Sequence[str]) -> int:
    """How many trailing characters of ``text`` could be the start of a stop sequence."""
    best = 0
    for stop in stops:
        for k in range(min(len(stop) - 1, len(text)), best, -1):
            if text.endswith(stop[:k]):
                best = k
                break
    return best


def _decode(
    loaded: _Loaded, prompt: list[int], budget: int, params: GenParams, device: torch.device
) -> Iterator[Piece]:
    tokenizer, model = loaded.tokenizer, loaded.model
    stops = [s for s in params.stop if s]
    gen = _sampler(params, device)
    first = torch.tensor([prompt], device=device)
    out = model(input_ids=first, use_cache=True, logits_to_keep=1)
    cache_of = loaded.cache_arg
    produced: list[int] = []
    text, sent = "", 0
    prefix, read = 0, 0  # incremental detokenization offsets (ids decoded for the shown text)
    finish, hit_stop = "length", False
    while len(produced) < budget:
        token = _pick(out.logits[0, -1], params, gen)
        if token in loaded.eos:
            produced.append(token)
            finish = "stop"
            break
        produced.append(token)
        before = tokenizer.decode(produced[prefix:read], skip_special_tokens=True)
        after = tokenizer.decode(produced[prefix:], skip_special_tokens=True)
        if len(after) > len(before) and not after.endswith("\ufffd"):
            text += after[len(before) :]
            prefix, read = read, len(produced)
        found = [i for i in (text.find(s, max(0, sent - len(s))) for s in stops) if i >= 0]
        if found:
            text, finish, hit_stop = text[: min(found)], "stop", True
            break
        safe = len(text) - _held(text, stops)
        if safe > sent:
            yield Piece(text[sent:safe])
            sent = safe
        if len(produced) >= budget:
            break
        step = torch.tensor([[token]], device=device)
        kwargs = {cache_of: getattr(out, cache_of)}
        out = model(input_ids=step, use_cache=True, logits_to_keep=1, **kwargs)
    if not hit_stop:
        # Bytes of a character still incomplete when decoding stopped come out as they are.
        rest = [t for t in produced[prefix:] if t not in loaded.eos]
        done = tokenizer.decode(produced[prefix:read], skip_special_tokens=True)
        text += tokenizer.decode(rest, skip_special_tokens=True)[len(done) :]
    usage = Usage(len(prompt), len(produced))
    yield Piece(text[sent:], finish_reason=finish, usage=usage)
