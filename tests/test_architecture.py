"""Guards on the code's shape that import-linter does not cover: no import cycles (type-only
and function-level imports count) and no file over 400 lines."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import grimp

from tests.conftest import REPO

MAX_LINES = 400


def import_cycles(graph: grimp.ImportGraph) -> set[tuple[str, ...]]:
    """Each cycle once, as the sorted modules on it."""
    cycles: set[tuple[str, ...]] = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                cycles.add(tuple(sorted({module, *back})))
    return cycles


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.c", imported="p.a")
    assert import_cycles(graph) == set()
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    assert import_cycles(graph) == {("p.a", "p.b", "p.c")}


def test_no_import_cycles() -> None:
    cycles = import_cycles(grimp.build_graph("tuiftune"))
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in sorted(cycles))


def test_no_file_over_400_lines() -> None:
    long = []
    for folder in ("tuiftune", "tests", "bench"):
        for path in sorted((REPO / folder).rglob("*.py")):
            with path.open(encoding="utf-8") as fh:
                count = sum(1 for _ in fh)
            if count > MAX_LINES:
                long.append(f"{path.relative_to(REPO)}: {count} lines")
    assert not long, "files over 400 lines (split them by what they hold):\n" + "\n".join(long)


def test_the_readme_points_at_the_architecture() -> None:
    architecture = REPO / "ARCHITECTURE.md"
    assert architecture.is_file()
    assert "ARCHITECTURE.md" in Path(REPO / "README.md").read_text(encoding="utf-8")


def _loaded_after(code: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    report = "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    probe = f"{code}\nimport sys, json\n{report}"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_the_start_up_path_loads_no_sdk_server_or_torch() -> None:
    # The app's first paint: no SDK, no server, no pydantic (the profile resolves afterwards).
    app = _loaded_after("import tuiftune.ui.app, tuiftune.wiring, tuiftune.cli")
    assert not app & {"openai", "starlette", "torch", "transformers", "pydantic"}, app
    # A command that does not train never loads torch; the service layer never loads Textual.
    jobs = _loaded_after(
        "import tuiftune.commands.jobs_manage, tuiftune.commands.jobs_watch, "
        "tuiftune.commands.jobs_create, tuiftune.service.providers.openai"
    )
    assert "torch" not in jobs and "textual" not in jobs, jobs


def unguarded_workers(source: str) -> list[int]:
    """Lines of ``@work`` decorators that let a failure close the app (no exit_on_error=False)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for deco in node.decorator_list:
            call = deco if isinstance(deco, ast.Call) else None
            target = call.func if call is not None else deco
            if not (isinstance(target, ast.Name) and target.id == "work"):
                continue
            keywords = {k.arg: k.value for k in call.keywords} if call is not None else {}
            guard = keywords.get("exit_on_error")
            if not (isinstance(guard, ast.Constant) and guard.value is False):
                lines.append(deco.lineno)
    return lines


def test_the_worker_guard_finds_bare_workers() -> None:
    source = (
        "@work\nasync def a(): ...\n"
        "@work(exclusive=True)\nasync def b(): ...\n"
        "@work(exit_on_error=False)\nasync def c(): ...\n"
    )
    assert unguarded_workers(source) == [1, 3]


def test_no_worker_can_close_the_app() -> None:
    found = [
        f"{path.relative_to(REPO)}:{line}"
        for path in sorted((REPO / "tuiftune" / "ui").rglob("*.py"))
        for line in unguarded_workers(path.read_text(encoding="utf-8"))
    ]
    assert not found, "workers without exit_on_error=False:\n" + "\n".join(found)


def bindings_without_tooltip(source: str) -> list[int]:
    """Lines of ``Binding(...)`` calls that give no ``tooltip``."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Binding"
        and not any(k.arg == "tooltip" for k in node.keywords)
    ]


def test_every_binding_has_a_tooltip() -> None:
    assert bindings_without_tooltip('Binding("a", "b", "C")\nBinding("a", "b", tooltip="t")') == [1]
    found = [
        f"{path.relative_to(REPO)}:{line}"
        for path in sorted((REPO / "tuiftune" / "ui").rglob("*.py"))
        for line in bindings_without_tooltip(path.read_text(encoding="utf-8"))
    ]
    assert not found, "bindings without a tooltip:\n" + "\n".join(found)
