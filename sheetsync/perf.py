"""Process-level settings that keep a sync of a large register fast."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of one sync.

    A sync of a large register holds a few million small objects (cells, rows, models,
    specs) for its whole length, and each automatic collection walks them all again: on
    an unchanged sync of 10,000 rows per tab that was about 40% of the CPU (timed phase
    by phase with and without it; see the README's Performance section). Reference
    counting still frees everything that is not in a reference cycle, so memory stays
    flat; collections resume as soon as the sync ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
