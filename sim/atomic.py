"""Writing output files safely: whole or not at all, and never into someone else's folder.

Every file omsim writes (run tables, stores, imports, calibrations, reports, pictures, the
app's saves) goes through :func:`write_atomic`: the content is written under a temporary name
in the destination folder, flushed to disk, renamed over the destination (atomic on one file
system) and the folder's entry is flushed too. A failure at any point (a full disk, a
read-only folder, an error in the writer) removes the temporary file, leaves any previous
file untouched and raises :class:`WriteError`, one line naming the file.

:func:`require_empty_folder` is the check every command that writes a folder of results
makes first: the folder must be new or empty.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Suffix of the temporary files (hidden: ``.<name>.<pid>.<random>.tmp``).
TMP_SUFFIX = ".tmp"

_OS_ERROR = re.compile(r"os error (\d+)")


class WriteError(OSError):
    """An output file that could not be written; ``str()`` is one line naming the file."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return str(self.args[0])


def _reason(exc: BaseException) -> str | None:
    """What went wrong as the system says it, or None if ``exc`` is not an I/O failure.

    Polars reports I/O errors as its own exceptions with ``(os error N)`` in the message.
    """
    if isinstance(exc, OSError):
        if exc.errno:
            return os.strerror(exc.errno)
        return exc.strerror or str(exc) or type(exc).__name__
    found = _OS_ERROR.search(str(exc))
    return os.strerror(int(found.group(1))) if found else None


def temporary_path(path: Path) -> Path:
    """A fresh hidden name next to ``path``, created empty (so no two writers share it)."""
    while True:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp


def fsync_path(path: Path, directory: bool = False) -> None:
    """Flush a file's (or a folder's entries') data to the disk."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """Write ``path`` through ``write(tmp)`` and rename it into place; returns ``path``.

    ``write`` is given a temporary path in the same folder (Polars' ``write_parquet``,
    Matplotlib's ``savefig`` with an explicit format...). On any failure the temporary file
    is removed and an I/O failure becomes :class:`WriteError`; other errors propagate.
    """
    path = Path(path)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_path(path)
        write(tmp)
        fsync_path(tmp)
        os.replace(tmp, path)
        tmp = None
        fsync_path(path.parent, directory=True)
    except Exception as exc:
        reason = _reason(exc)
        if reason is None:
            raise
        raise WriteError(path, reason) from exc
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`write_atomic`)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`write_atomic`)."""

    def put(tmp: Path) -> None:
        with open(tmp, "wb") as out:
            written = 0
            while written < len(data):  # os-level writes, so a full disk raises here
                written += out.write(data[written:])
            out.flush()

    return write_atomic(path, put)


def save_figure(fig: Any, path: str | Path, **kwargs: Any) -> Path:
    """``fig.savefig`` atomically; the format comes from ``path``'s suffix unless given."""
    path = Path(path)
    kwargs.setdefault("format", path.suffix.lower().lstrip(".") or "png")
    return write_atomic(path, lambda tmp: fig.savefig(tmp, **kwargs))


class OutputFolderError(Exception):
    """An output folder that must not be written into (one line, for the CLI)."""


def require_empty_folder(folder: str | Path, what: str = "run directory") -> Path:
    """``folder`` unless it exists and is not an empty folder (:class:`OutputFolderError`
    with one line saying what was found)."""
    folder = Path(folder)
    if folder.exists() or folder.is_symlink():
        if not folder.is_dir():
            raise OutputFolderError(f"{folder}: expected a new or empty {what}, found a file")
        if any(folder.iterdir()):
            raise OutputFolderError(
                f"{folder}: expected a new or empty {what}, found other files; choose "
                "another folder"
            )
    return folder
