"""Remember files a submission must not change, notice when they change, and put them back."""

from __future__ import annotations

from pathlib import Path


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


class Snapshot:
    """The bytes of some files, and of every file under some folders, taken at one moment."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self.files: dict[Path, bytes] = {}
        self.refresh()

    def refresh(self) -> None:
        """Take the snapshot again (after the grader itself wrote into a watched folder)."""
        self.files = {path: path.read_bytes() for root in self.roots for path in _files(root)}

    def changes(self) -> list[Path]:
        """Files changed, deleted or added since the snapshot."""
        now = {path for root in self.roots for path in _files(root)}
        changed = [p for p, data in self.files.items() if p not in now or p.read_bytes() != data]
        return sorted(changed + [p for p in now if p not in self.files])

    def restore(self) -> list[Path]:
        """Put every watched file back as it was; returns what had changed."""
        changed = self.changes()
        for path in changed:
            if path in self.files:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(self.files[path])
            else:
                path.unlink(missing_ok=True)
        return changed
