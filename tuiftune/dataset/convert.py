"""Format conversion into new files: legacy prompt/completion to chat, and CSV to JSONL."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from tuiftune.dataset.atomic import atomic_writer, check_regular
from tuiftune.dataset.document import Document
from tuiftune.dataset.fixes import dumps_like
from tuiftune.dataset.formats import Format, detect
from tuiftune.dataset.legacy import Consensus
from tuiftune.dataset.record import parse
from tuiftune.dataset.split import Skipped, check_targets, write_file

PROMPT_NAMES = ("prompt", "user", "input", "question", "instruction", "text")
COMPLETION_NAMES = ("completion", "assistant", "output", "answer", "response", "label", "target")
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
FIELD_LIMIT = 2**31 - 1  # the csv module's default (128 KiB a cell) rejects long texts


@dataclass(slots=True)
class Conversion:
    """What a conversion wrote and what it left out."""

    written: int = 0
    kept_raw: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Skipped] = field(default_factory=list)  # written, but worth a look
    separator: str | None = None
    stop: str | None = None
    delimiter: str | None = None
    columns: dict[str, str] = field(default_factory=dict)


def _strip_suffix(text: str, suffix: str | None, spaced: str | None) -> str:
    for s in (spaced, suffix):
        if s and text.endswith(s):
            return text[: -len(s)]
    return text


def legacy_to_chat(value: Any, cons: Consensus, system: str | None) -> dict[str, Any] | str:
    """One legacy record as a chat record, or the reason it cannot be converted."""
    if detect(value) is not Format.LEGACY:
        return "not a prompt/completion record"
    for key in ("prompt", "completion"):
        if key not in value:
            return f"no {key!r} (keys: {', '.join(repr(k) for k in value)})"
        if not isinstance(value[key], str):
            return f"{key!r} is not a string"
    sep_var, stop_var = cons.separator_variant, cons.stop_variant
    prompt = _strip_suffix(value["prompt"], cons.separator, sep_var.spaced if sep_var else None)
    # The leading space was a tokenization habit of the old models; chat replies start bare.
    answer = _strip_suffix(
        value["completion"], cons.stop, stop_var.spaced if stop_var else None
    ).lstrip()
    if not prompt.strip():
        return "the prompt is empty"
    if not answer:
        return "the completion is empty"
    return chat_record(system, prompt, answer)


def chat_record(system: str | None, user: str, answer: str) -> dict[str, Any]:
    """A single-turn chat record, with a system message when there is one."""
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages}


def convert_document(
    doc: Document, cons: Consensus, *, system: str | None = None, keep_raw: bool = False
) -> tuple[list[bytes], Conversion]:
    """Convert every legacy record (CPU-bound); unconvertible lines are reported, or kept raw."""
    result = Conversion(separator=cons.separator, stop=cons.stop)
    out: list[bytes] = []
    fallback = doc.dominant_eol()
    for pos in range(len(doc)):
        rid = doc.id_at(pos)
        raw, eol = doc.raw(rid), doc.eol(rid) or fallback
        if not raw.strip():
            result.skipped.append(Skipped(pos + 1, "blank line"))
            continue
        value, problem, _ = parse(raw)
        converted = problem.message if problem else legacy_to_chat(value, cons, system)
        if isinstance(converted, dict):
            out.append(dumps_like(converted, raw) + eol)
            result.written += 1
        elif keep_raw:
            out.append(raw + eol)
            result.kept_raw += 1
            result.notes.append(Skipped(pos + 1, f"kept unconverted: {converted}"))
        else:
            result.skipped.append(Skipped(pos + 1, converted))
    return out, result


async def convert_file(
    source: Path,
    target: Path,
    *,
    system: str | None = None,
    keep_raw: bool = False,
    overwrite: bool = False,
    separator: str | None = None,
    stop: str | None = None,
) -> Conversion:
    """Convert a legacy file to chat in a new file, using the linter's separator/stop consensus.

    Nothing is written when no record converts (``written == 0``).
    """
    from tuiftune.dataset.io import load_document
    from tuiftune.dataset.linter import Linter
    from tuiftune.dataset.options import LintOptions
    from tuiftune.dataset.worker import in_lint_thread

    await asyncio.to_thread(check_targets, source, [target], overwrite)
    doc = await load_document(source)
    linter = Linter(doc, LintOptions(separator=separator, stop=stop))
    await in_lint_thread(linter.run)
    lines, result = await in_lint_thread(
        convert_document, doc, linter.consensus, system=system, keep_raw=keep_raw
    )
    if result.written:
        await asyncio.to_thread(write_file, target, lines, overwrite=overwrite)
    return result


# -- CSV ---------------------------------------------------------------------------------------


def sniff_delimiter(sample: str) -> str:
    """The sample's delimiter among comma, semicolon, tab and pipe (comma when unsure)."""
    try:
        guess = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        guess = ","
    # The Sniffer counts characters and is fooled by delimiters inside quoted cells: keep its
    # guess only if no other delimiter splits the rows into more agreeing multi-column rows.
    ranked = [guess] + [d for d in DELIMITERS if d != guess]
    return max(ranked, key=lambda d: _agreeing_rows(sample, d))


def _agreeing_rows(sample: str, delimiter: str) -> int:
    rows: list[list[str]] = []
    with contextlib.suppress(csv.Error):  # the sample may end inside a quoted cell
        rows.extend(csv.reader(io.StringIO(sample), delimiter=delimiter))
    rows = rows[:-1] if len(rows) > 2 else rows  # the last row may be cut short
    width = len(rows[0]) if rows else 0
    return sum(len(row) == width for row in rows) if width > 1 else 0


def resolve_column(names: list[str], wanted: str | None, defaults: tuple[str, ...]) -> int | None:
    """A column's index by header name (case-insensitive) or 1-based number."""
    folded = [n.strip().casefold() for n in names]
    for name in [wanted] if wanted is not None else list(defaults):
        if name.strip().casefold() in folded:
            return folded.index(name.strip().casefold())
        if wanted is not None and name.isdigit() and 1 <= int(name) <= len(names):
            return int(name) - 1
    if wanted is not None:
        raise ValueError(f"no column {wanted!r} (columns: {listed(names)})")
    return None


def listed(names: list[str], limit: int = 8, width: int = 30) -> str:
    """Column names for a message: a few, each cut short (JSONL read as CSV has huge ones)."""
    shown = [repr(n if len(n) <= width else n[:width] + "...") for n in names[:limit]]
    more = f", +{len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(shown) + more


@dataclass(frozen=True, slots=True)
class CsvOptions:
    """How to read a CSV and what to write (see ``import_csv``)."""

    prompt_col: str | None = None
    completion_col: str | None = None
    system_col: str | None = None
    system: str | None = None
    fmt: Literal["chat", "legacy"] = "chat"
    delimiter: str | None = None
    header: bool = True
    encoding: str = "utf-8-sig"  # also reads plain UTF-8; drops a BOM
    separator: str = "\n\n###\n\n"
    stop: str = "\n"
    overwrite: bool = False


class _NothingWritten(Exception):
    """Abandons the output file (its temp file is removed) when no row converted."""


def _record(opts: CsvOptions, system: str | None, prompt: str, answer: str) -> dict[str, Any]:
    if opts.fmt == "legacy":
        sep, stop = opts.separator, opts.stop
        prompt = prompt if prompt.endswith(sep) else prompt + sep
        answer = answer if answer.endswith(stop) else answer + stop
        return {"prompt": prompt, "completion": " " + answer}
    return chat_record(system, prompt, answer)


def _rows(fh: TextIO, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells): the header is row 1, whatever the line breaks inside."""
    # strict: a stray quote is an error with a line number, not silently merged cells
    reader = csv.reader(fh, delimiter=delimiter, strict=True)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise ValueError(f"malformed CSV at line {reader.line_num}: {exc}") from exc


def _columns(names: list[str], opts: CsvOptions) -> dict[str, int]:
    cols = {
        "prompt": resolve_column(names, opts.prompt_col, PROMPT_NAMES),
        "completion": resolve_column(names, opts.completion_col, COMPLETION_NAMES),
        "system": resolve_column(names, opts.system_col, ()),
    }
    for role in ("prompt", "completion"):
        if cols[role] is None:
            raise ValueError(f"no {role} column found: name it (columns: {listed(names)})")
    if cols["prompt"] == cols["completion"]:
        raise ValueError("the prompt and completion columns must differ")
    return {k: i for k, i in cols.items() if i is not None}


def _import(source: Path, target: Path, opts: CsvOptions) -> Conversion:
    check_targets(source, [target], opts.overwrite)
    check_regular(source)  # a FIFO would block the read forever
    csv.field_size_limit(FIELD_LIMIT)
    result = Conversion()
    # newline="" lets the csv module handle line breaks inside quoted cells.
    with open(source, encoding=opts.encoding, newline="") as fh:
        result.delimiter = opts.delimiter or sniff_delimiter(fh.read(SNIFF_BYTES))
        fh.seek(0)
        rows = _rows(fh, result.delimiter)
        first = next(rows, (0, []))[1]
        names = first if opts.header else [str(i + 1) for i in range(len(first))]
        if not names:
            raise ValueError(f"{source} is empty")
        if not opts.header:
            fh.seek(0)
            rows = _rows(fh, result.delimiter)
        cols = _columns(names, opts)
        result.columns = {k: names[i] for k, i in cols.items()}

        def convert(n: int, row: list[str]) -> bytes | None:
            if not any(cell.strip() for cell in row):
                result.skipped.append(Skipped(n, "blank row"))
                return None
            # Stripped, CRLF in a cell made LF: spreadsheet artefacts a model should not learn.
            cells = {
                k: row[i].strip().replace("\r\n", "\n") if i < len(row) else ""
                for k, i in cols.items()
            }
            empty = [result.columns[k] for k in ("prompt", "completion") if not cells[k]]
            if empty:
                result.skipped.append(Skipped(n, f"empty {' and '.join(map(repr, empty))} cell"))
                return None
            system = cells.get("system", opts.system)
            if "system" in cols and not system:
                result.notes.append(Skipped(n, "empty system cell: no system message written"))
            result.written += 1
            value = _record(opts, system, cells["prompt"], cells["completion"])
            return json.dumps(value, ensure_ascii=False).encode("utf-8") + b"\n"

        try:
            with atomic_writer(target, overwrite=opts.overwrite) as out:
                out.writelines(line for n, row in rows if (line := convert(n, row)))
                if not result.written:
                    raise _NothingWritten
        except _NothingWritten:
            pass
    return result


async def import_csv(source: Path, target: Path, opts: CsvOptions | None = None) -> Conversion:
    """Stream a CSV into a new JSONL file (chat or legacy); rows with empty cells are reported.

    ValueError when the columns are not found or the file is unreadable as CSV; nothing is
    written when no row converts (``written == 0``).
    """
    opts = opts or CsvOptions()
    if opts.delimiter is not None and len(opts.delimiter) != 1:
        raise ValueError(f"the delimiter must be one character, not {opts.delimiter!r}")
    if opts.system_col is not None and opts.system is not None:
        raise ValueError("give a system column or a fixed system prompt, not both")
    if opts.fmt == "legacy" and (opts.system_col is not None or opts.system is not None):
        raise ValueError("legacy prompt/completion data has no system prompt: use chat")
    try:
        return await asyncio.to_thread(_import, source, target, opts)
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{source} is not {opts.encoding} text (byte {exc.start}): {exc.reason}"
        ) from exc
    except ValueError as exc:  # name the file: the message alone does not say which
        message = str(exc)
        raise ValueError(message if str(source) in message else f"{source}: {message}") from exc
