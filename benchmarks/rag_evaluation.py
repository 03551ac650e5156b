"""RAG evaluation (issues 19 and 20): the judges' faithfulness on a labelled set, and the .xlsx export's cost.

Protocol, fixed before looking at results:

1. Faithfulness. The labelled set of ``tests/rag_evaluation/faithfulness_set.py`` (responses to eight
   contexts labelled faithful, paraphrase, negation, swapped, wrong_number; written by hand) is scored
   by the offline judge as it was before issue 19 (``metrics.py`` read from git at ``BEFORE``), by the
   offline judge now, and, when ``MLCUBE_LLM_BASE_URL``/``MLCUBE_LLM_MODEL`` are set, by the LLM judge.
   Per label: mean, min and max faithfulness (1-5). Then the *separation*: the share of (faithful or
   paraphrase, negation or swapped) pairs in which the faithful answer scores strictly higher (1.0 =
   every contradiction below every faithful answer, the issue's bar).
   Then three more sets, each case's offline score. History, so that they are read for what they are:
   ``SET_3`` was written after the rules' second version and showed a false contradiction; ``SET_4`` was
   written next, before any change, and showed a second one of the same kind (a clause that lost its
   subject in the split); the third version of the rules fixed both, so sets 3 and 4 are development
   data now. ``HELD_OUT`` was written after that version and is run once: the rules are not changed for it.
2. Export. The rows of a 2,000-sample report are written by the hand-written zip+XML writer (read from
   git at ``BEFORE``) and by XlsxWriter: median wall time of 7 runs, file size, and how many text cells
   that start with ``=``, ``+``, ``-``, ``@`` carry the quote prefix. Then the import time of each writer
   module in a fresh interpreter (median of 5, ``-X importtime``) and XlsxWriter's installed size.

Run: ``.venv/bin/python benchmarks/rag_evaluation.py`` (~10 s offline). Print ``uptime`` beside it.
"""

from __future__ import annotations

import importlib.util
import io
import itertools
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlcube_nb.rag_evaluation import RagSample, evaluate_samples, make_judge, results_frame  # noqa: E402
from mlcube_nb.rag_evaluation import report as report_module  # noqa: E402
from mlcube_nb.rag_evaluation.evaluate import parse  # noqa: E402
from mlcube_nb.rag_evaluation.xlsx import write_xlsx  # noqa: E402
from tests.rag_evaluation.faithfulness_set import CASES  # noqa: E402

BEFORE = "090db09"  # the last commit with the hand-written writer and the word-overlap-only faithfulness
LABELS = ("faithful", "paraphrase", "negation", "swapped", "wrong_number")
_FLIGHT = ("Each passenger may bring one cabin bag of up to 8 kg. Checked bags cost 35 euros each. Online check-in "
           "opens 24 hours before departure and closes 2 hours before.")
_CLINIC = ("Dr. Laura Conti sees patients on Mondays and Thursdays. Appointments must be booked at least 3 days in "
           "advance. The clinic does not accept walk-in patients.")
_SOFTWARE = ("Version 4.2 adds dark mode. Support for Windows 7 was removed in version 4.0. The free plan allows 3 "
             "projects; the Pro plan has no limit.")
SET_3 = [
    ("faithful", _FLIGHT, "You can take one cabin bag weighing at most 8 kg."),
    ("faithful", _FLIGHT, "Each checked bag costs 35 euros."),
    ("faithful", _FLIGHT, "Check-in online closes 2 hours before departure."),
    ("faithful", _CLINIC, "Dr. Conti sees patients on Mondays and Thursdays."),
    ("faithful", _CLINIC, "You need to book at least 3 days ahead; walk-ins are not accepted."),
    ("faithful", _SOFTWARE, "Dark mode arrived in version 4.2."),
    ("faithful", _SOFTWARE, "On the free plan you can have 3 projects, while Pro is unlimited."),
    ("negation", _FLIGHT, "Checked bags are free."),
    ("negation", _CLINIC, "The clinic accepts walk-in patients."),
    ("negation", _CLINIC, "Appointments do not need to be booked in advance."),
    ("negation", _SOFTWARE, "Version 4.2 does not add dark mode."),
    ("swapped", _FLIGHT, "Online check-in opens 2 hours before departure."),
    ("swapped", _FLIGHT, "Each passenger may bring one cabin bag of up to 35 kg."),
    ("swapped", _CLINIC, "Dr. Laura Conti sees patients on Mondays and Fridays."),
    ("swapped", _SOFTWARE, "Support for Windows 7 was removed in version 4.2."),
    ("swapped", _SOFTWARE, "The Pro plan allows 3 projects."),
]


def _from_git(path: str, name: str) -> ModuleType:
    source = subprocess.run(["git", "show", f"{BEFORE}:{path}"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    folder = Path(tempfile.mkdtemp())
    (folder / f"{name}.py").write_text(source)
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_GYM = ("The gym opens at 6 and closes at 23. Personal trainers are available on request for 40 euros per hour. "
        "Towels are not provided, so bring your own.")
_BANK = ("Transfers within the EU are free and arrive within 1 business day. International transfers cost 15 euros "
         "and take up to 5 days. Cash withdrawals are limited to 500 euros per day.")
_SCHOOL = ("Classes start on 9 September and end on 20 June. Lunch is served at 12:30 in the canteen, and students "
           "may not leave the building during breaks. The headmaster is Paolo Neri.")
SET_4 = [
    ("faithful", _GYM, "The gym closes at 23."),
    ("faithful", _GYM, "Trainers cost 40 euros per hour."),
    ("faithful", _GYM, "You need to bring your own towel because none are provided."),
    ("faithful", _BANK, "EU transfers are free and take 1 business day."),
    ("faithful", _BANK, "Sending money abroad costs 15 euros."),
    ("faithful", _BANK, "You can withdraw at most 500 euros a day."),
    ("faithful", _SCHOOL, "The school year ends on 20 June."),
    ("faithful", _SCHOOL, "Students can't leave the building during breaks."),
    ("faithful", _SCHOOL, "Paolo Neri is the headmaster."),
    ("negation", _GYM, "Towels are provided."),
    ("negation", _BANK, "Transfers within the EU are not free."),
    ("negation", _BANK, "International transfers are free."),
    ("negation", _SCHOOL, "Students may leave the building during breaks."),
    ("swapped", _GYM, "The gym opens at 23."),
    ("swapped", _BANK, "International transfers arrive within 1 business day."),
    ("swapped", _BANK, "Cash withdrawals are limited to 15 euros per day."),
    ("swapped", _SCHOOL, "Classes start on 20 June."),
    ("swapped", _SCHOOL, "The headmaster is Laura Neri."),
]


_PHARMACY = ("The pharmacy on Via Roma is open every day from 8 to 22. Prescription drugs require a doctor's "
             "prescription. Deliveries are free for orders above 30 euros and take 2 days.")
_RENTAL = ("Drivers must be at least 21 years old. The deposit is 300 euros and is refunded within 10 days. Cars "
           "must be returned with a full tank, otherwise a 20 euro fee applies.")
_MUSEUM = ("The Uffizi Gallery is in Florence. Tickets cost 25 euros; children under 18 enter for free. The museum "
           "is closed on Mondays.")
HELD_OUT = [
    ("faithful", _PHARMACY, "The pharmacy is open daily between 8 and 22."),
    ("faithful", _PHARMACY, "You need a prescription from a doctor for prescription drugs."),
    ("faithful", _PHARMACY, "Delivery is free if you spend more than 30 euros."),
    ("faithful", _RENTAL, "You have to be 21 or older to drive."),
    ("faithful", _RENTAL, "The 300 euro deposit comes back within 10 days."),
    ("faithful", _RENTAL, "If the tank is not full when you return the car, you pay a 20 euro fee."),
    ("faithful", _MUSEUM, "The Uffizi is in Florence."),
    ("faithful", _MUSEUM, "Kids under 18 get in free, adults pay 25 euros."),
    ("faithful", _MUSEUM, "On Mondays the museum is closed."),
    ("negation", _PHARMACY, "Prescription drugs do not require a prescription."),
    ("negation", _RENTAL, "The deposit is not refunded."),
    ("negation", _MUSEUM, "The museum is open on Mondays."),
    ("negation", _MUSEUM, "Children under 18 must pay for tickets."),
    ("swapped", _PHARMACY, "Deliveries are free for orders above 2 euros and take 30 days."),
    ("swapped", _RENTAL, "The deposit is 20 euros."),
    ("swapped", _RENTAL, "Drivers must be at least 10 years old."),
    ("swapped", _MUSEUM, "The Uffizi Gallery is in Rome."),
    ("swapped", _MUSEUM, "Tickets cost 18 euros."),
]


def _old_faithfulness(old: ModuleType, context: str, response: str) -> float:
    sample = parse(RagSample("What does the context say?", context, response), "english", None)
    return float(old.faithfulness(sample).value)


def _new_faithfulness(context: str, response: str) -> float:
    [result] = evaluate_samples([RagSample("What does the context say?", context, response)], text_language="english")
    return float(result["faithfulness"].value)  # type: ignore[arg-type]


def _llm_scores() -> list[float] | None:
    from mlcube_nb.server.settings import Settings

    settings = Settings()
    if not (settings.llm_base_url and settings.llm_model):
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    judge = make_judge({"kind": "llm", "base_url": settings.llm_base_url, "model": settings.llm_model,
                        "concurrency": settings.llm_concurrency, "timeout_s": settings.llm_timeout_s}, key)
    samples = [RagSample("What does the context say?", c, r) for _, c, r in CASES]
    return [float("nan") if j.results is None else float(j.results["faithfulness"].value)  # type: ignore[arg-type]
            for j in judge.judge(samples)]


def _separation(labels: list[str], scores: list[float]) -> float:
    good = [s for label, s in zip(labels, scores, strict=True) if label in ("faithful", "paraphrase")]
    bad = [s for label, s in zip(labels, scores, strict=True) if label in ("negation", "swapped")]
    pairs = list(itertools.product(good, bad))
    return sum(g > b for g, b in pairs) / len(pairs)


def faithfulness_table() -> None:
    old = _from_git("mlcube_nb/rag_evaluation/metrics.py", "old_metrics")
    labels = [label for label, _, _ in CASES]
    judges = {"offline before": [_old_faithfulness(old, c, r) for _, c, r in CASES],
              "offline now": [_new_faithfulness(c, r) for _, c, r in CASES]}
    llm = _llm_scores()
    if llm is not None:
        judges["LLM judge"] = llm
    print(f"{'label':14s} {'n':>3s}  " + "  ".join(f"{name:>22s}" for name in judges))
    for label in LABELS:
        cells = []
        for scores in judges.values():
            mine = [s for lab, s in zip(labels, scores, strict=True) if lab == label and s == s]
            cells.append(f"{statistics.mean(mine):4.2f} [{min(mine):.0f}-{max(mine):.0f}]" if mine else "-")
        print(f"{label:14s} {labels.count(label):3d}  " + "  ".join(f"{c:>22s}" for c in cells))
    print(f"{'separation':14s} {'':3s}  " + "  ".join(f"{_separation(labels, s):22.3f}" for s in judges.values()))
    for name, cases in (("set 3", SET_3), ("set 4", SET_4), ("held-out set", HELD_OUT)):
        print(f"\n{name} (offline now):")
        scores = [_new_faithfulness(context, response) for _, context, response in cases]
        for (label, _, response), score in zip(cases, scores, strict=True):
            print(f"  {label:10s} {score:.0f}  {response}")
        print(f"  separation {_separation([label for label, _, _ in cases], scores):.3f}")


def _report_rows(n: int) -> list[list[object]]:
    context = ("Products can be returned within 30 days of delivery. The refund reaches the original payment "
               "method.||Shipping is free above 50 euros.")
    samples = [RagSample(f"How many days to return item {i}?", context, f"=SUM(A1) within {i} days. " * 5)
               for i in range(n)]
    frame = results_frame([f"s{i}" for i in range(n)], [float(i) for i in range(n)], samples,
                          evaluate_samples(samples, separator="||"))
    columns = report_module.result_columns()
    return [columns] + [[report_module._plain(v) for v in row]
                        for row in frame[columns].itertuples(index=False, name=None)]


def _quoted_formula_cells(content: bytes) -> tuple[int, int]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    styles = archive.read("xl/styles.xml").decode()
    xfs = re.findall(r"<xf [^>]*?/?>", re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1))  # type: ignore[union-attr]
    quoted = {i for i, xf in enumerate(xfs) if 'quotePrefix="1"' in xf}
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    cells = re.findall(r'<c r="D\d+"([^>]*)>', sheet)[1:]  # column D: "response", every one starts with "="
    return sum(int(m.group(1)) in quoted for c in cells if (m := re.search(r's="(\d+)"', c))), len(cells)


def _import_ms(modules: str) -> float:
    """Median wall time (ms) of importing *modules* in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout)
            for _ in range(5)]
    return 1000 * statistics.median(runs)


def export_table() -> None:
    old = _from_git("mlcube_nb/rag_evaluation/xlsx.py", "old_xlsx")
    sheets = [("samples", _report_rows(2000))]
    print(f"{'writer':22s} {'median ms':>10s} {'KiB':>6s} {'quoted =-cells':>15s}")
    results = {}
    for name, write in (("hand-written zip+XML", old.write_xlsx), ("XlsxWriter", write_xlsx)):
        times = []
        for _ in range(7):
            start = time.perf_counter()
            content = write(sheets)
            times.append(time.perf_counter() - start)
        quoted, total = _quoted_formula_cells(content)
        results[name] = statistics.median(times)
        print(f"{name:22s} {results[name] * 1000:10.0f} {len(content) / 1024:6.0f} {quoted:>8d}/{total}")
    print(f"ratio XlsxWriter / hand-written: {results['XlsxWriter'] / results['hand-written zip+XML']:.1f}x")
    import xlsxwriter

    size = sum(p.stat().st_size for p in Path(xlsxwriter.__file__).parent.rglob("*") if p.is_file())
    hand = _import_ms("zipfile, xml.sax.saxutils")
    print(f"import, fresh interpreter: zipfile + xml.sax.saxutils (hand-written) {hand:.1f} ms, xlsxwriter "
          f"{_import_ms('xlsxwriter'):.1f} ms (imported at the first export only); XlsxWriter installed: "
          f"{size / 1e6:.1f} MB, no dependencies")


if __name__ == "__main__":
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    faithfulness_table()
    print()
    export_table()
