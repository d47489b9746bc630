"""How long omsim's processes live: never longer than the process that started them.

* :func:`stop_on_sigterm` turns SIGTERM into :class:`Terminated` (a ``KeyboardInterrupt``),
  so a terminated command unwinds like one stopped with Ctrl-C: it stops its workers and
  records the experiment as interrupted.
* :func:`die_with_parent` makes a process end when its parent dies, even by SIGKILL: the
  Linux parent-death signal (``prctl(PR_SET_PDEATHSIG)``) where it can be used, otherwise a
  watchdog thread polling the parent's process id.
* :data:`PARENT_ENV`: a process started with this variable set to its parent's process id
  (as the app starts omsim) watches that parent from :func:`watch_parent_from_env`.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Environment variable naming the process id a command must not outlive.
PARENT_ENV = "OMSIM_PARENT_PID"

#: Seconds between two looks at the parent by the watchdog thread.
WATCH_S = 0.5

_PR_SET_PDEATHSIG = 1


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM (raised in the main thread by :func:`stop_on_sigterm`)."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(f"signal {signum}")


def stop_on_sigterm() -> None:
    """From now on SIGTERM raises :class:`Terminated` in the main thread (call from it)."""
    signal.signal(signal.SIGTERM, _raise_terminated)


def _parent_death_signal(sig: int) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent dies; False if it cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux, or no prctl
        return False


def watch_parent(parent: int, on_death: Callable[[], None]) -> threading.Thread:
    """Start a daemon thread calling ``on_death()`` once ``parent`` is no longer the parent
    of this process (it died and the process was re-parented)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_S)
        on_death()

    thread = threading.Thread(target=watch, name="omsim-parent-watch", daemon=True)
    thread.start()
    return thread


def die_with_parent(parent: int, use_prctl: bool = True) -> None:
    """End this process (SIGKILL) as soon as ``parent`` dies.

    ``use_prctl`` False skips the parent-death signal (Linux sends it when the *thread* that
    started the process ends, which is too early if that was not a long-lived thread).
    """
    if use_prctl and _parent_death_signal(signal.SIGKILL):
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)
        return
    watch_parent(parent, lambda: os._exit(1))


def watch_parent_from_env() -> None:
    """If :data:`PARENT_ENV` names a process id, stop like on SIGTERM once that parent
    dies (the command unwinds and records what it did). Nothing otherwise."""
    value = os.environ.get(PARENT_ENV, "")
    if not value.isdigit():
        return
    parent = int(value)
    if os.getppid() != parent:  # already gone (or not our parent): stop now
        os.kill(os.getpid(), signal.SIGTERM)
        return

    def terminate_self() -> None:
        log.warning("the process that started this command ended; stopping")
        with contextlib.suppress(OSError):
            os.kill(os.getpid(), signal.SIGTERM)

    watch_parent(parent, terminate_self)
