"""The dataset editor's file actions: save, save as, open, crash recovery, split, convert."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from pathlib import Path

import aiofiles.os
from textual import work

from tuiftune.dataset.atomic import describe
from tuiftune.dataset.io import FileChangedError, disk_changed
from tuiftune.dataset.journal import Journal, JournalError
from tuiftune.dataset.session import EditorSession
from tuiftune.dataset.split import default_outputs, plan_split, write_file, write_split
from tuiftune.dataset.worker import in_lint_thread
from tuiftune.ui.dataset.base import DatasetBase
from tuiftune.ui.messages import DatasetFileChanged
from tuiftune.ui.screens.modals import AskScreen, ConfirmScreen


def user_path(text: str) -> Path:
    """A path typed by the user, with ``~`` expanded."""
    return Path(os.path.expanduser(text.strip()))


class FileActions(DatasetBase):
    """Saving and opening files, and the journal that protects unsaved edits."""

    async def _offer_recovery(self, session: EditorSession) -> None:
        """After a crash: offer to replay the journaled edits onto the file just loaded."""
        path = session.doc.path
        info = await Journal.find(path) if path is not None else None
        if info is None or info.edits == 0:
            return
        when = datetime.fromtimestamp(info.modified).strftime("%Y-%m-%d %H:%M")
        if not info.matches:
            drop = await self.app.push_screen_wait(
                ConfirmScreen(
                    f"Unsaved edits from {when} cannot be recovered: {info.reason}.",
                    "Delete that journal? (n keeps it for later)",
                )
            )
            if drop:
                await info.discard()
            return
        recover = await self.app.push_screen_wait(
            ConfirmScreen(
                f"Recover {info.edits} unsaved edit(s) to {path} from {when}?",
                "tuiftune stopped before they were saved. n deletes them.",
            )
        )
        if not recover:
            await info.discard()
            return
        try:
            count = await Journal.recover(session.doc)
        except JournalError as exc:
            self.notify(f"recovery failed: {exc}", severity="error", timeout=10)
            return
        self.notify(f"recovered {count} edit(s); ctrl+s saves them, ctrl+z undoes them")

    async def _close_journal(self, *, discard: bool = False) -> None:
        journal, self.journal = self.journal, None
        if journal is not None:
            with contextlib.suppress(OSError):
                await (journal.discard() if discard else journal.close())

    @work(exit_on_error=False, exclusive=True, group="save")
    async def action_save(self) -> None:
        """Save in place, atomically; asks before overwriting a file changed on disk."""
        session = self.session
        if session is None:
            return
        try:
            path = await session.save()
        except FileChangedError:
            overwrite = await self.app.push_screen_wait(
                ConfirmScreen(
                    f"{self.path} changed on disk since it was opened.",
                    "Overwrite it with your version? (n keeps the file on disk as it is)",
                )
            )
            if not overwrite:
                return
            path = await session.save(force=True)
        except OSError as exc:
            self.notify(f"save failed: {exc.strerror or exc}", severity="error")
            return
        if self.journal is not None:
            await self.journal.saved()
        self.notify(f"saved {path}")
        self._update_title()

    @work(exit_on_error=False, exclusive=True, group="save")
    async def action_save_as(self) -> None:
        """Save to another path, which becomes the open file."""
        session = self.session
        if session is None:
            return
        answer = await self.app.push_screen_wait(AskScreen("Save as", str(self.path or "")))
        if not answer:
            return
        target = user_path(answer)
        if await aiofiles.os.path.exists(target) and target != self.path:
            ok = await self.app.push_screen_wait(ConfirmScreen(f"Replace {target}?"))
            if not ok:
                return
        try:
            await session.save(target, force=True)
        except OSError as exc:
            self.notify(f"save failed: {exc.strerror or exc}", severity="error")
            return
        self.path = target
        self.post_message(DatasetFileChanged(target))
        await self._close_journal(discard=True)
        with contextlib.suppress(OSError, JournalError):
            self.journal = await Journal.start(session.doc)
        self.notify(f"saved {target}")
        self._update_title()

    @work(exit_on_error=False)
    async def action_open(self) -> None:
        """Open another file (asks first when there are unsaved edits)."""
        if not await self.confirm_discard():
            return
        answer = await self.app.push_screen_wait(AskScreen("Open file", placeholder="data.jsonl"))
        if answer:
            self.load(user_path(answer))

    async def confirm_discard(self) -> bool:
        """True when there are no unsaved edits, or the user agrees to lose them."""
        session = self.session
        if session is None or not session.doc.dirty:
            return True
        answer: bool = await self.app.push_screen_wait(
            ConfirmScreen("Discard unsaved changes?", f"{self.path} has unsaved edits.")
        )
        if answer:
            await self._close_journal(discard=True)
        return answer

    async def warn_if_changed_on_disk(self) -> None:
        """Tell the user (once per change) when the open file changed on disk."""
        session = self.session
        if session is None or session.doc.path is None:
            return
        if await disk_changed(session.doc):
            stamp = (session.doc.path, session.doc.stamp)
            if self._disk_warned != stamp:
                self._disk_warned = stamp
                self.notify(
                    f"{self.path} changed on disk since it was opened; saving will ask first",
                    severity="warning",
                    timeout=10,
                )

    async def _may_write(self, targets: list[Path]) -> bool:
        """Refuse the open file; ask before replacing any other (the CLI's --force)."""
        opened = self.path.resolve() if self.path is not None else None
        for target in targets:
            if opened is not None and target.resolve() == opened:
                self.notify(
                    f"refusing to write over the open file {target}: choose another name",
                    severity="error",
                    timeout=8,
                )
                return False
        existing = [t for t in targets if await aiofiles.os.path.exists(t)]
        if existing:
            names = ", ".join(str(t) for t in existing)
            exists = "It already exists" if len(existing) == 1 else "They already exist"
            dialog = ConfirmScreen(f"Replace {names}?", f"{exists} (like the CLI's --force).")
            replace: bool = await self.app.push_screen_wait(dialog)
            return replace
        return True

    @work(exit_on_error=False, exclusive=True, group="transform")
    async def action_split(self) -> None:
        """Write a seeded train/validation split of the current records to two new files."""
        session = self._ready_session()
        if session is None or self.path is None:
            return
        answer = await self.app.push_screen_wait(
            AskScreen("Validation share (0-1) or count, then optional seed", "0.1 42")
        )
        if not answer:
            return
        parts = answer.split()
        try:
            share = float(parts[0])
            seed = int(parts[1]) if len(parts) > 1 else 42
        except ValueError:
            self.notify(f"expected e.g. '0.1 42', not {answer!r}", severity="error")
            return
        kwargs = {"fraction": share} if share < 1 else {"count": int(share)}
        train, validation = default_outputs(self.path)
        if not await self._may_write([train, validation]):
            return
        try:
            plan = await in_lint_thread(plan_split, session.doc, seed=seed, **kwargs)
            await write_split(session.doc, plan, train, validation, overwrite=True)
        except OSError as exc:
            self.notify(f"split failed: {describe(exc)}", severity="error", timeout=8)
            return
        except ValueError as exc:
            self.notify(f"split failed: {exc}", severity="error", timeout=8)
            return
        how = f"stratified over {len(plan.classes)} labels" if plan.stratified else "shuffled"
        self.notify(
            f"{len(plan.train):,} records to {train.name}, {len(plan.validation):,} to "
            f"{validation.name} ({how}, seed {seed}); {len(plan.skipped)} lines skipped",
            timeout=10,
        )

    @work(exit_on_error=False, exclusive=True, group="transform")
    async def action_convert(self) -> None:
        """Write the legacy records as chat records to a new file, then offer to open it."""
        from tuiftune.dataset.convert import convert_document  # on first use: not at start-up

        session = self._ready_session()
        if session is None or self.path is None:
            return
        default = self.path.with_name(self.path.stem + ".chat.jsonl")
        answer = await self.app.push_screen_wait(
            AskScreen("Convert to chat, writing", str(default))
        )
        if not answer:
            return
        target = user_path(answer)
        if not await self._may_write([target]):
            return
        consensus = session.linter.consensus
        lines, result = await in_lint_thread(convert_document, session.doc, consensus)
        if not lines:
            self.notify("no record could be converted", severity="error")
            return
        try:
            await in_lint_thread(write_file, target, lines, overwrite=True)
        except OSError as exc:
            self.notify(f"cannot write {describe(exc)}", severity="error")
            return
        skipped = f"; {len(result.skipped)} lines skipped" if result.skipped else ""
        self.notify(f"{result.written:,} chat records written to {target}{skipped}")
        open_it = await self.app.push_screen_wait(ConfirmScreen(f"Open {target.name} now?"))
        if open_it and await self.confirm_discard():
            self.load(target)

    @work(exit_on_error=False, exclusive=True, group="transform")
    async def action_import_csv(self) -> None:
        """Import a CSV (prompt and completion columns) into a new JSONL file and open it."""
        import csv

        from tuiftune.dataset.convert import CsvOptions, import_csv  # on first use

        answer = await self.app.push_screen_wait(
            AskScreen("CSV file to import", placeholder="x.csv")
        )
        if not answer:
            return
        source = user_path(answer)
        target = source.with_suffix(".jsonl")
        try:
            result = await import_csv(source, target, CsvOptions(overwrite=False))
        except OSError as exc:
            self.notify(f"import failed: {describe(exc)}", severity="error", timeout=10)
            return
        except (ValueError, LookupError, csv.Error) as exc:
            self.notify(f"import failed: {exc}", severity="error", timeout=10)
            return
        skipped = f"; {len(result.skipped)} rows skipped" if result.skipped else ""
        self.notify(f"{result.written:,} records imported to {target}{skipped}", timeout=8)
        if await self.confirm_discard():
            self.load(target)
