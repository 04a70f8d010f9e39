"""Leaving the process when a command is done, without the interpreter's teardown.

Why: the teardown (collecting cyclic garbage, freeing every module and object) changes nothing outside the
process, and after a run it is a large share of the command's CPU (soc2ctl.cli.main.entry). What the
ordinary exit does that is seen outside is done here first, in the same order: wait for work in flight
(a non-daemon thread still alive: then this falls back to the ordinary exit, which waits for it), run the
atexit handlers (logging's flush and close, weakref finalizers, multiprocessing's clean-up), flush stdout and
stderr. Files the run wrote are closed by then (evidence and saved plans are written with `with` blocks and
synced before the seal).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def now(code: object) -> NoReturn:
    """Exit with `code` as `sys.exit(code)` would (None: 0, an int: itself, anything else: printed, 1)."""
    if _work_in_flight():
        sys.exit(code)
    atexit._run_exitfuncs()  # the interpreter's own exit calls the same; they run once (the list is emptied)
    status = 0 if code is None else code if isinstance(code, int) else 1
    try:
        if not isinstance(code, int | None):
            print(code, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken pipe: the ordinary exit reports it as it always has
        sys.exit(code)
    os._exit(status)


def _work_in_flight() -> bool:
    main = threading.main_thread()
    return any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate())
