"""Process-level settings that keep a sync of a large register fast."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Young collections stay (they free the short-lived cycles the email and HTTP libraries
# leave behind); the full ones, which walk every object alive, wait until the sync ends.
YOUNG_THRESHOLD = 10_000
NEVER = 1_000_000_000


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No full garbage collections for the length of one sync.

    A sync of a large register holds a few million small objects (cells, rows, models,
    specs) for its whole length, and each full collection walks them all again: on an
    unchanged sync of 10,000 rows per tab that was about 40% of the CPU (timed phase by
    phase with and without it; see the README's Performance section). Turning collection
    off altogether would be as fast but keeps every short-lived reference cycle (a parsed
    batch answer is a web of them) until the end: gigabytes on a first sync of that size.
    So young objects are still collected, only the oldest generation waits.
    """
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, before[1], NEVER)
    try:
        yield
    finally:
        gc.set_threshold(*before)
