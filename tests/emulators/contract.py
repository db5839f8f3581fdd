"""Strict checks of JSON bodies against the official SDKs' models.

The Stainless SDKs (Together, Fireworks) accept unknown keys silently, so validation alone
would not catch an emulator that invents a field: ``strict`` also walks the parsed model and
fails on any key the SDK does not declare. ``strict_msrest`` does the same for Azure's ARM
models, which are msrest classes with an ``_attribute_map``.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic


class ContractError(AssertionError):
    """A body that the official SDK would not produce or accept."""


def _no_extras(value: Any, where: str) -> None:
    if isinstance(value, pydantic.BaseModel):
        extra = value.__pydantic_extra__ or {}
        if extra:
            raise ContractError(f"{where}: keys unknown to the SDK: {sorted(extra)}")
        for name in type(value).model_fields:
            _no_extras(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _no_extras(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_extras(item, f"{where}.{key}")


def strict(tp: Any, data: Any) -> Any:
    """Validate ``data`` (JSON-like) into the SDK type ``tp`` in strict mode, no unknown keys."""
    try:
        parsed = pydantic.TypeAdapter(tp).validate_json(json.dumps(data), strict=True)
    except pydantic.ValidationError as exc:
        raise ContractError(f"{getattr(tp, '__name__', tp)}: {exc}") from None
    _no_extras(parsed, getattr(tp, "__name__", str(tp)))
    return parsed


def _msrest_check(cls: Any, data: Any, where: str, models: Any) -> None:
    amap: dict[str, dict[str, str]] = getattr(cls, "_attribute_map", {})
    if not isinstance(data, dict):
        raise ContractError(f"{where}: expected an object for {cls.__name__}")
    known: dict[str, str] = {}
    nested: dict[str, dict[str, str]] = {}
    for spec in amap.values():
        key = spec["key"]
        if "." in key:  # msrest flattening: "properties.model" lives under "properties"
            head, tail = key.split(".", 1)
            nested.setdefault(head, {})[tail] = spec["type"]
        else:
            known[key] = spec["type"]
    for key, item in data.items():
        if key in nested and isinstance(item, dict):
            for sub, sub_item in item.items():
                if sub not in nested[key]:
                    raise ContractError(f"{where}.{key}: key {sub!r} unknown to the SDK")
                _msrest_value(nested[key][sub], sub_item, f"{where}.{key}.{sub}", models)
        elif key in known:
            _msrest_value(known[key], item, f"{where}.{key}", models)
        else:
            raise ContractError(f"{where}: key {key!r} unknown to {cls.__name__}")


def _msrest_value(type_name: str, item: Any, where: str, models: Any) -> None:
    if item is None:
        return
    if type_name.startswith("[") and isinstance(item, list):
        for i, sub in enumerate(item):
            _msrest_value(type_name[1:-1], sub, f"{where}[{i}]", models)
        return
    model = getattr(models, type_name, None)
    if model is not None and hasattr(model, "_attribute_map"):
        _msrest_check(model, item, where, models)


def strict_msrest(cls: Any, data: Any, models: Any) -> Any:
    """Deserialize ``data`` with the msrest model ``cls``; fail on keys it does not declare."""
    _msrest_check(cls, data, cls.__name__, models)
    return cls.deserialize(data)
