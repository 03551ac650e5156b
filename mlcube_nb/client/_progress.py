"""The bar ``wait_job_completion`` shows: ``tqdm.auto``'s widget in Jupyter, a text bar on a terminal.

In Jupyter the bar is shown under a display id and, once the job is over, replaced by one line saying how it
ended: a saved or exported notebook then reads "completed" instead of the bar's first frame ("0%"). On a
terminal the bar is cleared when the job ends, so the caller's next line starts clean; where stderr is not a
terminal (a CI log, a pipe) no bar is drawn, because its carriage returns would pile up on one line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["job_bar"]

_FORMAT = "{desc} {percentage:3.0f}%|{bar}|"


@contextmanager
def job_bar(job_id: str) -> Iterator[Callable[[float, str], None]]:
    """Yield ``update(fraction, status_text)``; the bar ends as a one-line summary (Jupyter) or is cleared."""
    from tqdm.auto import tqdm
    from tqdm.notebook import tqdm as notebook_tqdm

    name, started = f"job {job_id[:8]}", time.perf_counter()
    last = {"status": "waiting"}
    notebook = issubclass(tqdm, notebook_tqdm)
    options: dict[str, Any] = {"display": False} if notebook else {"disable": None}  # None: off unless a TTY
    bar = tqdm(total=100, desc=name, leave=False, bar_format=_FORMAT, **options)
    handle = _show(bar) if notebook else None

    def update(fraction: float, status: str) -> None:
        last["status"] = status
        bar.n = round(100 * fraction)
        bar.set_description_str(f"{name} {status}", refresh=False)
        bar.refresh()

    try:
        yield update
    except KeyboardInterrupt:
        last["status"] += " (stopped waiting; the job goes on)"
        raise
    finally:
        bar.close()
        if handle is not None:
            handle.update({"text/plain": f"{name} {last['status']} ({time.perf_counter() - started:.1f} s)"},
                          raw=True)


def _show(bar: Any) -> Any:
    """Display the notebook bar's widget under a display id, so its output can be replaced at the end."""
    from IPython.display import display

    return display(bar.container, display_id=True)
