"""Parsed reference summaries kept in memory, per model and summary version.

A reference summary is fixed once set (a new reference gets a new version), and every batch job of
the model starts from it: parsing its JSON (megabytes for a wide reference) at each claim cost more
than the rest of a small batch's job. The key includes the version, so a summary replaced by another
server is never served stale; the cache holds a few summaries and drops the least recently used.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

#: Summaries kept per server process (each weighs a few megabytes parsed).
CAPACITY = 8

_lock = threading.Lock()
_parsed: OrderedDict[tuple[str, str | None], dict[str, Any]] = OrderedDict()


def summary(model_id: str, version: str | None, load: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The summary of *model_id* at *version*, from memory or from ``load()`` (then kept).

    Callers must not change what they get (it is shared); copy the parts they advance.
    """
    key = (model_id, version)
    with _lock:
        found = _parsed.get(key)
        if found is not None:
            _parsed.move_to_end(key)
            return found
    loaded = load()
    with _lock:
        _parsed[key] = loaded
        _parsed.move_to_end(key)
        while len(_parsed) > CAPACITY:
            _parsed.popitem(last=False)
    return loaded
