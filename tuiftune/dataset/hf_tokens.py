"""Exact token counts for open models: the model folder's own tokenizer and chat template.

A model is a Hugging Face folder (``tokenizer.json`` + ``tokenizer_config.json``, the template
there or in ``chat_template.jinja``) or a model id already in the local Hugging Face cache. Only
``tokenizers`` and ``jinja2`` are used (no torch, no transformers): the template is rendered the
way transformers renders it (a sandboxed environment, ``trim_blocks``/``lstrip_blocks``, its
``tojson``, ``raise_exception`` and ``{% generation %}``), so counts equal the training engine's.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from tuiftune.dataset.model_info import ModelInfo
from tuiftune.dataset.token_counter import TokenCounter

PREFIX = "hf:"  # a ModelInfo.encoding naming a tokenizer folder instead of a tiktoken encoding
_CONTEXT_KEYS = (
    "max_position_embeddings",
    "n_positions",
    "max_sequence_length",
    "seq_length",
    "n_ctx",
)


class HFTokensError(Exception):
    """A model folder that cannot be read, as one line."""


def _hub_cache() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache", "huggingface"
    )
    return Path(home) / "hub"


def find_model(name: str) -> Path | None:
    """The folder of ``name``: itself when it is a tokenizer folder, else its HF cache snapshot."""
    path = Path(name).expanduser()
    if (path / "tokenizer.json").is_file():
        return path
    if "/" not in name or name.startswith((".", "/", "~")) or name.count("/") != 1:
        return None
    repo = _hub_cache() / ("models--" + name.replace("/", "--"))
    ref = repo / "refs" / "main"
    if ref.is_file():
        snapshot = repo / "snapshots" / ref.read_text().strip()
        if (snapshot / "tokenizer.json").is_file():
            return snapshot
    return None


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise HFTokensError(f"{path}: not readable JSON ({exc})") from exc
    return value if isinstance(value, dict) else {}


def _token_text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def _template_source(folder: Path, config: dict[str, Any]) -> str | None:
    jinja = folder / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    template = config.get("chat_template") or _read_json(folder / "chat_template.json").get(
        "chat_template"
    )
    if isinstance(template, list):  # named templates: the default one
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default") or next(iter(named.values()), None)
    return template if isinstance(template, str) else None


def _context(folder: Path, config: dict[str, Any]) -> int | None:
    model = _read_json(folder / "config.json")
    for scope in (model, model.get("text_config") or {}):
        for key in _CONTEXT_KEYS:
            value = scope.get(key)
            if isinstance(value, int) and value > 0:
                return value
    limit = config.get("model_max_length")
    return limit if isinstance(limit, int) and 0 < limit < 10_000_000 else None


def _environment() -> Any:
    from jinja2 import nodes
    from jinja2.ext import Extension, loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(Extension):
        """``{% generation %}`` ... ``{% endgeneration %}`` marks assistant text: a no-op here."""

        tags = {"generation"}  # noqa: RUF012  (jinja2's own declaration style)

        def parse(self, parser: Any) -> list[nodes.Node]:
            next(parser.stream)
            return list(parser.parse_statements(("name:endgeneration",), drop_needle=True))

    def tojson(
        value: Any,
        ensure_ascii: bool = False,
        indent: int | None = None,
        separators: Any = None,
        sort_keys: bool = False,
    ) -> str:
        return json.dumps(
            value,
            ensure_ascii=ensure_ascii,
            indent=indent,
            separators=separators,
            sort_keys=sort_keys,
        )

    def raise_exception(message: str) -> None:
        raise HFTokensError(f"the chat template refused the conversation: {message}")

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, list):
        return "".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return str(content)


def normalize(messages: list[Any]) -> list[dict[str, Any]]:
    """OpenAI messages as templates expect them (the training engine converts them the same way)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        item: dict[str, Any] = {
            "role": "tool" if role == "function" else ("system" if role == "developer" else role),
            "content": _text(message.get("content")),
        }
        for key in ("name", "tool_call_id"):
            if isinstance(message.get(key), str):
                item[key] = message[key]
        calls = message.get("tool_calls")
        if isinstance(message.get("function_call"), dict):
            calls = [{"type": "function", "function": message["function_call"]}]
        if isinstance(calls, list) and calls:
            item["tool_calls"] = [_call(c) for c in calls if isinstance(c, dict)]
        out.append(item)
    return out


def _call(call: dict[str, Any]) -> dict[str, Any]:
    function = dict(call.get("function") or {})
    if isinstance(function.get("arguments"), str):
        with contextlib.suppress(json.JSONDecodeError):  # not JSON: kept as text
            function["arguments"] = json.loads(function["arguments"])
    out = {"type": call.get("type", "function"), "function": function}  # the engine's key order
    if "id" in call:
        out["id"] = call["id"]
    return out


@dataclass
class HFModel:
    """One open model's tokenizer, template and context length."""

    name: str
    folder: Path
    tokenizer: Any
    template: Any | None
    takes_tools: bool
    specials: dict[str, str]
    context: int | None

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` without added special tokens."""
        return list(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def render(
        self, messages: list[Any], tools: list[Any] | None = None, generation_prompt: bool = False
    ) -> str:
        """The conversation as the template writes it (tools in a system message if ignored)."""
        if self.template is None:
            raise HFTokensError(f"{self.name} has no chat template")
        conversation = normalize(messages)
        if tools and not self.takes_tools:
            listing = "Available tools (JSON): " + json.dumps(tools, ensure_ascii=False)
            if conversation and conversation[0]["role"] == "system":
                first = conversation[0]
                joined = f"{first['content']}\n\n{listing}" if first["content"] else listing
                conversation = [{**first, "content": joined}, *conversation[1:]]
            else:
                conversation = [{"role": "system", "content": listing}, *conversation]
            tools = None
        return str(
            self.template.render(
                messages=conversation,
                tools=tools or None,
                add_generation_prompt=generation_prompt,
                **self.specials,
            )
        )

    def count_chat(self, messages: list[Any], tools: list[Any] | None = None) -> int:
        """Exact tokens of a whole training conversation."""
        return len(self.encode(self.render(messages, tools)))

    def count_legacy(self, prompt: str, completion: str) -> int:
        """Tokens of prompt + completion + EOS, as the engine trains legacy records."""
        ids = self.tokenizer.encode(prompt + completion, add_special_tokens=True).ids
        return len(ids) + (1 if "eos_token" in self.specials else 0)

    def count_record(self, record: dict[str, Any]) -> int:
        """Exact tokens of one training record (the longer answer for a DPO pair)."""
        if "messages" in record:
            return self.count_chat(record["messages"], record.get("tools"))
        if "input" in record and isinstance(record["input"], dict):
            source = record["input"]
            answers = [record.get(k) or [] for k in ("preferred_output", "non_preferred_output")]
            return max(
                self.count_chat([*source.get("messages", []), *a], source.get("tools"))
                for a in answers
            )
        return self.count_legacy(str(record.get("prompt", "")), str(record.get("completion", "")))

    def model_info(self) -> ModelInfo:
        """What the linter needs: this tokenizer and the model's context as the example limit."""
        return ModelInfo(
            self.name,
            PREFIX + str(self.folder),
            self.context or 2048,
            known=self.context is not None,
        )


_lock = threading.Lock()


@lru_cache(maxsize=8)
def _load(folder: Path) -> HFModel:
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise HFTokensError(
            "counting with an open model's tokenizer needs `pip install tokenizers jinja2` "
            "(or the train extra)"
        ) from exc
    try:
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception as exc:
        raise HFTokensError(
            f"{folder / 'tokenizer.json'}: cannot load ({str(exc).splitlines()[0]})"
        ) from exc
    config = _read_json(folder / "tokenizer_config.json")
    source = _template_source(folder, config)
    template = _environment().from_string(source) if source else None
    keys = ("bos_token", "eos_token", "unk_token", "pad_token")
    specials = {k: t for k in keys if (t := _token_text(config.get(k))) is not None}
    takes_tools = bool(source) and "tools" in str(source)
    return HFModel(
        folder.name, folder, tokenizer, template, takes_tools, specials, _context(folder, config)
    )


def load_model(name: str) -> HFModel:
    """The open model ``name`` (a folder or a cached id); raises :class:`HFTokensError`."""
    folder = find_model(name)
    if folder is None:
        raise HFTokensError(
            f"{name}: no tokenizer.json there, and not a model id in the local Hugging Face cache"
        )
    with _lock:
        return _load(folder.resolve())


class HFCounter(TokenCounter):
    """A :class:`TokenCounter` (cache, long-string pieces) over an open model's tokenizer."""

    def _first_count(self, text: str) -> int:
        with self._lock:
            model = load_model(self.encoding_name[len(PREFIX) :])
            encode: Callable[[str], list[int]] = model.encode
            self._cache.encode = encode
            self._cache.compute = lambda t: len(encode(t))
        return self._cache.compute(text)


def exact_summary(path: str, name: str) -> dict[str, Any]:
    """Exact token counts of every parseable record of ``path`` with the open model ``name``."""
    model = load_model(name)
    counts: list[int] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # the linter reports these lines
            if isinstance(record, dict):
                try:
                    counts.append(model.count_record(record))
                except (HFTokensError, TypeError, AttributeError, ValueError):
                    continue  # a record the template refuses: the lint findings name it
    limit = model.context
    return {
        "model": model.name,
        "context_length": limit,
        "examples": len(counts),
        "tokens": sum(counts),
        "max": max(counts, default=0),
        "over_context": sum(1 for c in counts if limit is not None and c > limit),
    }


def describe_summary(summary: dict[str, Any]) -> str:
    """One line for the lint report."""
    limit = summary["context_length"]
    context = f"context {limit:,}" if limit else "context unknown"
    return (
        f"exact tokens with {summary['model']}'s tokenizer and chat template: "
        f"{summary['tokens']:,} in {summary['examples']:,} examples (longest {summary['max']:,}; "
        f"{context}; {summary['over_context']} over it)"
    )
