"""Data versioning with DVC and a local remote: track a generated set, push it, restore it.

DVC keeps large files out of git: `dvc add` hashes a folder (MD5 per file), moves the bytes into a
content-addressed cache and writes a small `.dvc` pointer file that git would track; `dvc push`
copies the cache to a remote (here a plain folder, so nothing leaves the machine); `dvc checkout`
puts the recorded version back. We drive DVC through its Python API (`dvc.repo.Repo`) rather than
shell commands, with analytics off. `--no-scm` mode is used because the course repository's git is
not ours to change in a notebook; in a project you would run DVC next to git.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from dvc.repo import Repo

REMOTE_NAME = "local"


@dataclass(frozen=True)
class Tracked:
    """What `dvc add` recorded for a folder: its `.dvc` pointer file and the hash in it."""

    pointer: Path
    md5: str  # DVC's hash of the folder listing, ends in `.dir`
    n_files: int
    size: int  # bytes


@contextmanager
def _quiet() -> Iterator[None]:
    """Hide DVC 3.67's deprecation warnings about its own internals (nothing for us to fix)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def open_repo(workspace: Path, remote: Path) -> Repo:
    """Initialise (or open) a DVC repository in `workspace` with a local folder as its remote.

    Raises:
        RuntimeError: DVC is not installed; install the course environment with `make setup`.
    """
    try:
        from dvc.repo import Repo
    except ImportError:
        raise RuntimeError("DVC is not installed; run `make setup` to install it.") from None
    workspace, remote = Path(workspace), Path(remote)
    remote.mkdir(parents=True, exist_ok=True)
    if (workspace / ".dvc").is_dir():
        repo = Repo(str(workspace))
    else:
        repo = Repo.init(str(workspace), no_scm=True)
    with repo.config.edit() as config:  # written to .dvc/config
        config["core"]["analytics"] = False
        config["core"]["remote"] = REMOTE_NAME
        config["remote"][REMOTE_NAME] = {"url": str(remote.resolve())}
    return repo


def track(repo: Repo, folder: Path) -> Tracked:
    """`dvc add` a folder inside the repository; returns what its pointer file records."""
    with _quiet():
        repo.add(str(folder))
    pointer = Path(str(folder) + ".dvc")
    out = yaml.safe_load(pointer.read_text())["outs"][0]
    return Tracked(pointer, out["md5"], int(out.get("nfiles", 0)), int(out.get("size", 0)))


def push(repo: Repo) -> int:
    """`dvc push` to the local remote; returns the number of files copied."""
    with _quiet():
        return int(repo.push())


def changes(repo: Repo) -> dict[str, Any]:
    """`dvc status`: what differs between the workspace and the recorded versions ({} if none).

    Keys are pointer-file names (DVC reports paths relative to the current directory).
    """
    with _quiet():
        status = repo.status()
    return {Path(key).name: value for key, value in status.items()}


def restore(repo: Repo, folder: Path) -> None:
    """`dvc checkout`: put the recorded version of `folder` back from the local cache."""
    with _quiet():
        repo.checkout(targets=[str(folder)], force=True)


def pull_copy(pointer: Path, remote: Path, workspace: Path) -> Path:
    """What a colleague does: a new workspace with only the pointer file, then `dvc pull`.

    Returns the restored folder. In a real project the pointer file and `.dvc/config` come from
    git; here they are copied, and the bytes come from the remote alone.
    """
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    repo = open_repo(workspace, remote)
    copied = workspace / Path(pointer).name
    shutil.copy2(pointer, copied)
    with _quiet():
        repo.pull(targets=[str(copied)])
    return workspace / copied.name.removesuffix(".dvc")
