"""The repository as it was at a git ref, in a temporary worktree: for benchmarks that measure a past commit
beside today's in the same run (a busy machine then slows both alike)."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """The repository as it was at `ref`, in a temporary git worktree (removed afterwards)."""
    with tempfile.TemporaryDirectory() as parent:
        path = Path(parent) / "app"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), ref], check=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False)
