"""Start-up cost of the embedded platform and the first-use cost of the optional/heavy libraries.

Protocol: each statement runs in a fresh interpreter (``sys.executable``) from the given source trees
(default: this repository), alternating between trees, ``--runs`` times; the median child CPU time
(user + sys, robust to other load on the machine) and the median wall time are printed, plus which heavy
libraries are already in ``sys.modules`` after the platform import. Library first-use costs are the CPU
time of importing each library after ``mlcube_nb.server.app`` is loaded, in the last tree given
(median of ``--runs``).

Run: ``.venv/bin/python benchmarks/import_cost.py [--tree before=/path/a --tree after=/path/b]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PLATFORM = "import mlcube_nb; from mlcube_nb.server.app import create_app"
HEAVY = ("sklearn", "scipy.optimize", "scipy.sparse.linalg", "google.auth", "azure.identity", "vaderSentiment",
         "xlsxwriter", "openai")
LIBRARIES = ("google.oauth2.service_account, google.auth.transport.requests", "azure.identity",
             "vaderSentiment.vaderSentiment", "sklearn.linear_model",
             "sklearn.decomposition, sklearn.feature_extraction.text")


def run(statement: str, tree: Path) -> tuple[float, float, str]:
    """Wall seconds, child CPU seconds and stdout of one fresh interpreter running *statement* in *tree*."""
    start, before = time.perf_counter(), os.times()
    out = subprocess.run([sys.executable, "-c", statement], cwd=tree, check=True, capture_output=True, text=True)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return time.perf_counter() - start, cpu, out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", default=[], help="name=path of a source tree (repeatable)")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    trees = dict(t.split("=", 1) for t in args.tree) or {"this tree": str(Path(__file__).resolve().parents[1])}
    print(f"load average: {os.getloadavg()[0]:.2f}")
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for _ in range(args.runs):
        for name, path in trees.items():
            wall, cpu, _ = run(PLATFORM, Path(path))
            samples[name].append((wall, cpu))
    probe = f"{PLATFORM}; import sys; print(sorted(h for h in {HEAVY!r} if h in sys.modules))"
    for name, path in trees.items():
        walls, cpus = zip(*samples[name], strict=True)
        loaded = run(probe, Path(path))[2]
        modules = run(f"{PLATFORM}; import sys; print(len(sys.modules))", Path(path))[2]
        print(f"{name}: platform import CPU median {statistics.median(cpus):.3f} s, wall median "
              f"{statistics.median(walls):.3f} s, {modules} modules, heavy ones loaded: {loaded}")
    last = list(trees.values())[-1]
    for library in LIBRARIES:
        statement = f"import time, mlcube_nb.server.app; t = time.process_time(); import {library}; " \
                    "print(time.process_time() - t)"
        costs = [float(run(statement, Path(last))[2]) for _ in range(args.runs)]
        print(f"first use of {library}: {statistics.median(costs):.3f} s CPU")


if __name__ == "__main__":
    main()
