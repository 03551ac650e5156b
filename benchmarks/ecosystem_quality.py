"""Issue 20: quality and speed of the library-backed code vs the hand-written code it replaced, side by side.

The hand-written modules are read from git at ``--before`` (default ``bc704b2``, the last commit before
issue 20) into a scratch package, so both versions run in one process on the same data.

Protocol (fixed before looking at results):

* **Sentiment** (TEXT_SENTIMENT, English): the labelled sentences of ``tests/monitoring/sentiment_cases.py``
  (80 English in five groups: positive, negative, negated, intensity/punctuation, neutral). Label =
  positive / negative / neutral with the platform's ±0.05 band. Scorers: the former hand lexicon, plain
  VADER, and VADER with the package's review-word additions (what runs now). Accuracy per group and µs
  per text (the 80 texts × 200).
* **Topics**: planted corpora, every combination of 2–5 word groups (8 random letter-words each), 30 /
  120 / 600 texts, 2–4 or 3–7 group words per text plus 0–2 shared noise words, seeds 0–2 (72 corpora).
  ``fit_topics`` with default settings, once with the former TF-IDF + HALS NMF and once with
  scikit-learn's ``TfidfVectorizer`` + ``NMF``. Share of corpora whose chosen topic count is the planted
  one, mean adjusted Rand index of the assignments against the planted groups, total seconds.
* **Retraining**: (a) density-ratio recovery: old N(0,1), new N(s,1), s ∈ {0.5, 1, 2}, 10,000 each,
  l2 = 1e-3: the largest relative error of the estimated ratio on a grid over [-1, s+1] (the true ratio is
  ``exp(s·x - s²/2)``). (b) ``compute_report`` on the regression (y = 2·x1 - x2 + N(0, 0.5²), x1 shifted by
  2) and 3-class classification data of ``tests/retraining/test_bounds.py``-like generators, seeds 0–4:
  mean |bound - truth| (regression: rmse vs the noise sd 0.5; classification: accuracy vs the Bayes
  accuracy estimated on 200,000 fresh samples), seconds per report.

Run: ``.venv/bin/python benchmarks/ecosystem_quality.py`` from the repository root (about a minute).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OLD_FILES = {"_lexicon": "mlcube_nb/monitoring/_lexicon.py", "text_metrics": "mlcube_nb/monitoring/text_metrics.py",
             "nmf": "mlcube_nb/topics/nmf.py", "tfidf": "mlcube_nb/topics/tfidf.py",
             "linear": "mlcube_nb/retraining/linear.py"}


def load_before(commit: str) -> dict[str, ModuleType]:
    """The hand-written modules at *commit*, imported from a scratch package ``before_issue20``."""
    folder = Path(tempfile.mkdtemp()) / "before_issue20"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for name, path in OLD_FILES.items():
        source = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout
        (folder / f"{name}.py").write_text(source)
    sys.path.insert(0, str(folder.parent))
    return {name: importlib.import_module(f"before_issue20.{name}") for name in OLD_FILES}


@contextlib.contextmanager
def patched(module: ModuleType, **names: Any) -> Iterator[None]:
    """Temporarily rebind *names* in *module* (to run the pipeline on the former building blocks)."""
    saved = {name: getattr(module, name) for name in names}
    for name, value in names.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


def table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    """Print a plain-text table."""
    print(f"\n## {title}")
    cells = [header] + [[f"{c:.3f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for i, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def sentiment(before: dict[str, ModuleType]) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from mlcube_nb.monitoring import text_metrics
    from tests.monitoring.sentiment_cases import ENGLISH

    plain = SentimentIntensityAnalyzer()

    def label(score: float) -> str:
        return "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"

    scorers: dict[str, Callable[[str], str]] = {
        "hand lexicon (before)": lambda t: before["text_metrics"].text_sentiment([t])[0],
        "VADER": lambda t: label(plain.polarity_scores(t)["compound"]),
        "VADER + additions (now)": lambda t: text_metrics.text_sentiment([t])[0],
    }
    texts = [t for cases in ENGLISH.values() for t, _ in cases]
    rows = []
    for name, score in scorers.items():
        per_group = [sum(score(t) == want for t, want in cases) for cases in ENGLISH.values()]
        start = time.perf_counter()
        for text in texts * 200:
            score(text)
        micro = (time.perf_counter() - start) / (len(texts) * 200) * 1e6
        rows.append([name, *[f"{h}/{len(c)}" for h, c in zip(per_group, ENGLISH.values(), strict=True)],
                     f"{sum(per_group)}/{len(texts)}", round(micro, 1)])
    table("TEXT_SENTIMENT, English labelled set", ["scorer", *ENGLISH, "all", "µs/text"], rows)


def planted_corpus(groups: int, n: int, lengths: tuple[int, int], seed: int) -> tuple[list[str], list[int]]:
    """*n* texts of random letter-words, each from one of *groups* word groups, plus shared noise words."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))

    def word() -> str:
        return "".join(rng.choice(letters, size=int(rng.integers(5, 9))))

    vocab = [[word() for _ in range(8)] for _ in range(groups)]
    noise = [word() for _ in range(5)]
    texts, truth = [], []
    for i in range(n):
        g = i % groups
        words = [*rng.choice(vocab[g], size=int(rng.integers(*lengths))),
                 *rng.choice(noise, size=int(rng.integers(0, 3)))]
        rng.shuffle(words)
        texts.append("the " + " ".join(words) + " is here")
        truth.append(g)
    return texts, truth


def topics(before: dict[str, ModuleType]) -> None:
    from sklearn.metrics import adjusted_rand_score

    from mlcube_nb.topics import model

    corpora = [(g, n, lengths, seed) for g in (2, 3, 4, 5) for n in (30, 120, 600)
               for lengths in ((2, 5), (3, 8)) for seed in range(3)]
    variants = {"hand TF-IDF + HALS (before)": {"nmf": before["nmf"].nmf, "build_matrix": before["tfidf"].build_matrix},
                "scikit-learn (now)": {}}
    rows = []
    for name, names in variants.items():
        right, ari, start = 0, [], time.perf_counter()
        with patched(model, **names):
            for g, n, lengths, seed in corpora:
                texts, truth = planted_corpus(g, n, lengths, seed)
                fitted = model.fit_topics(texts)
                right += len(fitted.topics) == g
                ari.append(adjusted_rand_score(truth, fitted.assignments))
        rows.append([name, f"{right}/{len(corpora)}", float(np.mean(ari)), round(time.perf_counter() - start, 2)])
    table("Topic modeling on planted corpora", ["variant", "k right", "mean ARI", "seconds"], rows)


def _regression(seed: int, n_old: int = 1500, n_new: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x1 = np.concatenate([rng.normal(0, 1, n_old), rng.normal(2, 1, n_new)])
    x2 = rng.normal(0, 1, n_old + n_new)
    y = 2 * x1 - x2 + rng.normal(0, 0.5, n_old + n_new)
    return pd.DataFrame({"x1": x1, "x2": x2, "y": y}), np.repeat([False, True], [n_old, n_new])


def _classes(x1: np.ndarray, x2: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Three classes from noisy linear scores of (x1, x2)."""
    scores = np.column_stack([x1, x2, -x1 - x2]) + rng.gumbel(size=(len(x1), 3))
    return np.array(["a", "b", "c"])[scores.argmax(axis=1)]


def _classification(seed: int, n_old: int = 1500, n_new: int = 400) -> tuple[pd.DataFrame, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    x1 = np.concatenate([rng.normal(0, 1, n_old), rng.normal(1.5, 1, n_new)])
    x2 = rng.normal(0, 1, n_old + n_new)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "y": _classes(x1, x2, rng)})
    big = np.random.default_rng(10_000 + seed)
    bx1, bx2 = big.normal(1.5, 1, 200_000), big.normal(0, 1, 200_000)
    bayes = float(np.mean(np.array(["a", "b", "c"])[np.column_stack([bx1, bx2, -bx1 - bx2]).argmax(axis=1)]
                          == _classes(bx1, bx2, big)))
    return frame, np.repeat([False, True], [n_old, n_new]), bayes


def retraining(before: dict[str, ModuleType]) -> None:
    from mlcube_nb.retraining import ReportSpec, bounds, compute_report, weights

    old_linear = before["linear"]
    variants = {"numpy/scipy L-BFGS (before)": ({"fit_softmax": old_linear.fit_softmax},
                                                 {"fit_ridge": old_linear.fit_ridge,
                                                  "fit_softmax": old_linear.fit_softmax}),
                "scikit-learn (now)": ({}, {})}
    rows = []
    for name, (for_weights, for_bounds) in variants.items():
        with patched(weights, **for_weights), patched(bounds, **for_bounds):
            ratio_errors = []
            for shift in (0.5, 1.0, 2.0):
                rng = np.random.default_rng(0)
                x = np.concatenate([rng.normal(0, 1, 10_000), rng.normal(shift, 1, 10_000)])[:, None]
                fitted = weights.fit_domain_classifier(x, np.repeat([False, True], 10_000), l2=1e-3)
                grid = np.linspace(-1.0, shift + 1.0, 25)[:, None]
                truth = np.exp(shift * grid[:, 0] - shift ** 2 / 2)
                ratio_errors.append(float(np.max(np.abs(fitted.density_ratio(grid) / truth - 1))))
            reg_gaps, cls_gaps, start, reports = [], [], time.perf_counter(), 0
            for seed in range(5):
                frame, is_new = _regression(seed)
                spec = ReportSpec(numeric=["x1", "x2"], categorical=[], target="y", kind="regression",
                                  metric="rmse", seed=seed)
                b = compute_report(frame, is_new, spec).bounds
                reg_gaps += [abs(b.performance_lower_bound - 0.5), abs(b.performance_upper_bound - 0.5)]
                frame, is_new, bayes = _classification(seed)
                spec = ReportSpec(numeric=["x1", "x2"], categorical=[], target="y", kind="classification",
                                  metric="accuracy", classes=["a", "b", "c"], seed=seed)
                b = compute_report(frame, is_new, spec).bounds
                cls_gaps += [abs(b.performance_lower_bound - bayes), abs(b.performance_upper_bound - bayes)]
                reports += 2
        rows.append([name, *ratio_errors, float(np.mean(reg_gaps)), float(np.mean(cls_gaps)),
                     round((time.perf_counter() - start) / reports, 3)])
    table("Retraining", ["variant", "ratio err s=0.5", "s=1", "s=2", "rmse gap", "accuracy gap", "s/report"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="bc704b2", help="commit holding the hand-written modules")
    args = parser.parse_args()
    before = load_before(args.before)
    sentiment(before)
    topics(before)
    retraining(before)


if __name__ == "__main__":
    main()
