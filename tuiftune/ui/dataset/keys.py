"""The Dataset editor's keys (each with an id and a tooltip) and its F1 help text."""

from __future__ import annotations

from textual.binding import Binding, BindingType

BINDINGS: list[BindingType] = [
    # Shown in the footer (80 columns): the keys used most, and how to quit.
    Binding("e,enter", "edit", "Edit", id="dataset.edit", tooltip="Edit the selected record"),
    Binding("n", "next_problem(1)", "Next", id="dataset.next_problem", tooltip="Next problem"),
    Binding("ctrl+s", "save", "Save", id="dataset.save", tooltip="Save the file in place"),
    # priority, like the app's own (hidden) ctrl+q, so that the footer shows this one.
    Binding(
        "ctrl+q",
        "app.quit_guarded",
        "Quit",
        id="dataset.quit",
        tooltip="Quit tuiftune",
        priority=True,
    ),
    # The rest: in F1 and the command palette (ctrl+p).
    Binding("f", "fix", "Fix", show=False, id="dataset.fix", tooltip="Apply this fix"),
    Binding(
        "F", "fix_all", "Fix all", show=False, id="dataset.fix_all", tooltip="Fix every record"
    ),
    Binding(
        "N",
        "next_problem(-1)",
        "Prev problem",
        show=False,
        id="dataset.prev_problem",
        tooltip="Previous problem",
    ),
    Binding("slash", "search", "Search", show=False, id="dataset.search", tooltip="Search"),
    Binding("g", "goto", "Go to line", show=False, id="dataset.goto", tooltip="Go to a line"),
    Binding(
        "v",
        "filter",
        "Filter",
        show=False,
        id="dataset.filter",
        tooltip="Show errors, warnings, one rule or all",
    ),
    Binding("S", "save_as", "Save as", show=False, id="dataset.save_as", tooltip="Save as"),
    Binding("o", "open", "Open", show=False, id="dataset.open", tooltip="Open another file"),
    Binding(
        "E",
        "edit_raw",
        "Edit JSON",
        show=False,
        id="dataset.edit_raw",
        tooltip="Edit the record as raw JSON",
    ),
    Binding("a", "add", "Add", show=False, id="dataset.add", tooltip="Add a record"),
    Binding(
        "c",
        "duplicate",
        "Duplicate",
        show=False,
        id="dataset.duplicate",
        tooltip="Duplicate the record",
    ),
    Binding(
        "delete",
        "delete",
        "Delete",
        show=False,
        id="dataset.delete",
        tooltip="Delete the record (undoable)",
    ),
    Binding(
        "alt+up",
        "move(-1)",
        "Move up",
        show=False,
        id="dataset.move_up",
        tooltip="Move the record up",
    ),
    Binding(
        "alt+down",
        "move(1)",
        "Move down",
        show=False,
        id="dataset.move_down",
        tooltip="Move the record down",
    ),
    Binding("ctrl+z", "undo", "Undo", show=False, id="dataset.undo", tooltip="Undo"),
    Binding("ctrl+y", "redo", "Redo", show=False, id="dataset.redo", tooltip="Redo"),
    Binding(
        "s",
        "toggle_stats",
        "Stats",
        show=False,
        id="dataset.stats",
        tooltip="Statistics: formats, tokens, cost",
    ),
    Binding(
        "tab",
        "app.focus_next",
        "Next pane",
        show=False,
        id="dataset.next_pane",
        tooltip="Move to the next pane",
    ),
    Binding(
        "T",
        "split",
        "Train/validation split",
        show=False,
        id="dataset.split",
        tooltip="Write a seeded train/validation split",
    ),
    Binding(
        "C",
        "convert",
        "Convert legacy to chat",
        show=False,
        id="dataset.convert",
        tooltip="Write the legacy records as chat records",
    ),
    Binding(
        "I",
        "import_csv",
        "Import CSV",
        show=False,
        id="dataset.import_csv",
        tooltip="Import a CSV into a new JSONL file",
    ),
    Binding(
        "M",
        "choose_model",
        "Target model",
        show=False,
        id="dataset.model",
        tooltip="Choose the model: tokenizer, example limit, cost (OpenAI or an open model)",
    ),
    Binding(
        "l",
        "sort_by_loss",
        "Sort by loss",
        show=False,
        id="dataset.sort_by_loss",
        tooltip="Sort by training loss, highest first, or back to file order (losses loaded)",
    ),
    Binding(
        "j",
        "jump_conflict",
        "Conflicting row",
        show=False,
        id="dataset.jump_conflict",
        tooltip="Go to a row with this row's prompt and another answer (again: the next)",
    ),
    Binding(
        "escape",
        "cancel_model",
        "Stop re-counting",
        show=False,
        id="dataset.cancel_model",
        tooltip="Stop a re-count for a new model (the model before stays)",
    ),
    Binding("q", "app.quit_guarded", "Quit", show=False, id="dataset.quit_q", tooltip="Quit"),
    Binding(
        "ctrl+c",
        "quit_hint",
        "How to quit",
        show=False,
        id="dataset.quit_hint",
        tooltip="Say which key quits",
    ),
]

HELP = """\
## Dataset editor

Every line of the file is a row: line number, status (✖ error, ▲ warning), format, a preview
and the example's tokens. The selected record's findings are listed below it.

- **n / N**: next / previous problem; **/**: search; **g**: go to line; **v**: filter
  (errors, warnings, one rule, all)
- **f**: apply the highlighted finding's fix to this record; **F**: to every record with it
- **e** or **enter**: edit the record message by message (role and content; ctrl+n adds, ctrl+d
  removes, alt+up/down moves a message) or prompt/completion; **E**: edit it as raw JSON (any
  line, broken ones too). Findings update as you type; ctrl+s applies, escape cancels.
- **a**: add a record; **c**: duplicate; **delete**: delete; **alt+up / alt+down**: move
- **ctrl+z / ctrl+y**: undo / redo; **ctrl+s**: save; **S**: save as; **o**: open a file;
  **ctrl+q** (or **q**): quit, asking first when there are unsaved edits
- a click selects a record, a double-click edits it; enter on a finding applies its fix
- **s**: statistics: formats, severities, tokens, examples over the limit, cost
- **M**: the target model (token limit, cost): an OpenAI model, or an open model's folder or
  Hugging Face id (its own tokenizer, chat template and context length); the file is counted
  again in the background, **escape** stops that and keeps the model before
- **T**: write a seeded train/validation split (stratified for classification data);
  **C**: write the legacy records as chat records; **I**: import a CSV. Each writes new files
  and never touches the open one.
- **Load training losses from job...** (ctrl+p): a loss column from a local-trainer job (the
  rows whose loss stayed high marked **!**), the list sorted by loss; **l**: sort by loss /
  file order (the file itself keeps its order); **j**: go to a row with this row's prompt and
  another answer (the border names them), again for the next

Every action is also in the command palette (ctrl+p).
"""
