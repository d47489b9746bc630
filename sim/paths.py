"""Which files omsim reads, and how: regular files only, bounded sizes, and (when confined)
only under a few allowed folders.

Every file a command reads goes through :func:`check_file` or :func:`read_bytes`: the path is
resolved (``..`` and symbolic links followed) and, when confinement is on, must lie under one
of the allowed roots *after* resolution; it must then be a regular file (never a device, a
FIFO, a socket or a directory, so ``/dev/zero`` or a named pipe is refused at once instead of
being read for ever) of at most the given size. Errors are :class:`PathError`: one line naming
the file and what is wrong, never the file's content.

Confinement is on when ``$OMSIM_ALLOWED_ROOTS`` lists folders (separated by ``os.pathsep``):
the app sets it for every ``omsim`` subprocess it starts (its scenarios, runs and data
folders), so the subprocess refuses a path outside them even if the app missed one. A
command started by hand reads wherever its user may.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

#: Folders a confined command may read (``os.pathsep``-separated); unset: not confined.
ROOTS_ENV = "OMSIM_ALLOWED_ROOTS"

#: The app's data folder (order files for the Live page and for ``replay.orders``).
DATA_ENV = "OMSIM_DATA_DIR"

#: Largest scenario file (TOML, ``base`` files included) read, in bytes.
MAX_SCENARIO_BYTES = 1 << 20

#: Largest JSON file read whole (a live snapshot, the scenario written beside it), in bytes.
MAX_JSON_BYTES = 32 << 20

#: Largest order file (CSV or Parquet, each file of an Olist folder) imported, in bytes.
MAX_ORDER_BYTES = 2 << 30

#: Largest table or picture of a run directory or run store read (Parquet, PNG), in bytes.
MAX_TABLE_BYTES = 2 << 30

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


class PathError(ValueError):
    """A file that may not or cannot be read; the message is one line naming the file."""


def data_root() -> Path:
    """The data folder: ``$OMSIM_DATA_DIR`` or ``data/`` in the working directory."""
    return Path(os.environ.get(DATA_ENV) or Path.cwd() / "data").expanduser().resolve()


def allowed_roots() -> tuple[Path, ...] | None:
    """The folders ``$OMSIM_ALLOWED_ROOTS`` confines reading to (None: not confined)."""
    text = os.environ.get(ROOTS_ENV, "")
    roots = tuple(Path(p).expanduser().resolve() for p in text.split(os.pathsep) if p.strip())
    return roots or None


def roots_value(roots: Sequence[Path]) -> str:
    """``roots`` as the value of ``$OMSIM_ALLOWED_ROOTS``."""
    return os.pathsep.join(str(Path(r).resolve()) for r in roots)


def _size(n: int) -> str:
    """A byte count for a person: ``1.0 MB``, ``2.0 GB``."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def confine(path: str | Path, roots: Sequence[Path] | None = None, what: str = "") -> Path:
    """``path`` resolved (symbolic links and ``..`` followed); when ``roots`` (default: the
    environment's :func:`allowed_roots`) is set, it must lie under one of them after
    resolution. Raises :class:`PathError`."""
    where = f"{what}: {path}: " if what else f"{path}: "
    try:
        resolved = Path(path).expanduser().resolve()
    except RuntimeError:  # Python 3.11-3.12 report a loop of links so
        raise PathError(f"{where}expected a resolvable path, found a loop of links") from None
    except OSError as exc:  # Python 3.13: ELOOP
        raise PathError(f"{where}expected a resolvable path, found: {exc.strerror}") from None
    roots = allowed_roots() if roots is None else roots
    if roots is None:
        return resolved
    allowed = [Path(r).resolve() for r in roots]
    if not any(resolved.is_relative_to(r) for r in allowed):
        raise PathError(
            f"{where}expected a file inside the allowed folders "
            f"({', '.join(map(str, allowed))}), found one outside them"
        )
    return resolved


def _kind(mode: int) -> str | None:
    """What a non-regular file is (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_file(
    path: str | Path,
    max_bytes: int | None = None,
    roots: Sequence[Path] | None = None,
    what: str = "",
    directory_ok: bool = False,
) -> Path:
    """The resolved path of an existing regular file (or directory when ``directory_ok``),
    confined as :func:`confine`, of at most ``max_bytes``. Raises :class:`PathError`
    (``no such file`` included) without opening the file, so a FIFO never blocks."""
    where = f"{what}: {path}: " if what else f"{path}: "
    resolved = confine(path, roots, what)
    try:
        info = resolved.stat()
    except FileNotFoundError:
        raise PathError(f"{where}expected a file, found no such file") from None
    except OSError as exc:
        raise PathError(f"{where}expected a readable file, found: {exc.strerror}") from None
    kind = _kind(info.st_mode)
    if kind == "a directory" and directory_ok:
        return resolved
    if kind is not None:
        raise PathError(f"{where}expected a regular file, found {kind}")
    if max_bytes is not None and info.st_size > max_bytes:
        raise PathError(
            f"{where}expected a file of at most {_size(max_bytes)}, found {_size(info.st_size)}"
        )
    return resolved


def open_regular(
    path: str | Path, max_bytes: int | None = None, roots: Sequence[Path] | None = None
) -> BinaryIO:
    """Open a regular file for reading (checked as :func:`check_file`). The file is opened
    without blocking and checked again on the open descriptor, so a file swapped for a FIFO
    or a device between the check and the open is refused too."""
    resolved = check_file(path, max_bytes, roots)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(resolved, flags)
    except OSError as exc:
        raise PathError(f"{path}: expected a readable file, found: {exc.strerror}") from None
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise PathError(f"{path}: expected a regular file, found {kind}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: str | Path, max_bytes: int, roots: Sequence[Path] | None = None) -> bytes:
    """The whole content of a regular file of at most ``max_bytes`` (a file that grew past
    the limit while being read is refused too). Raises :class:`PathError`."""
    with open_regular(path, max_bytes, roots) as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PathError(f"{path}: expected a file of at most {_size(max_bytes)}, found more")
    return data


def read_text(path: str | Path, max_bytes: int, roots: Sequence[Path] | None = None) -> str:
    """A UTF-8 text file read whole (as :func:`read_bytes`); undecodable bytes are refused
    with a message that does not quote them."""
    try:
        return read_bytes(path, max_bytes, roots).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PathError(
            f"{path}: expected UTF-8 text, found an undecodable byte at offset {exc.start}"
        ) from None
