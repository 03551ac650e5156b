"""The per-sample results table, its summary, and the exported workbook read back from its XML."""

from __future__ import annotations

import io
import zipfile

from mlcube_nb.rag_evaluation import METRICS, RagSample, evaluate_samples, results_frame, summary, workbook
from mlcube_nb.rag_evaluation.report import result_columns
from mlcube_nb.rag_evaluation.xlsx import column_letter, write_xlsx
from tests.rag_evaluation.xlsx_reader import read_xlsx, records

SAMPLES = [
    RagSample("What is the warranty period?", "The warranty period is 2 years.||Shipping is free.",
              "The warranty period is 2 years."),
    RagSample("Is <b> & \x07 escaped?", None, "Yes: <b> & \"quotes\" stay as text."),
]


def _frame():
    evaluations = evaluate_samples(SAMPLES, separator="||")
    return results_frame(["s1", "s2"], [10.0, 20.5], SAMPLES, evaluations), evaluations


def test_workbook_has_samples_and_summary_sheets_with_every_metric() -> None:
    frame, evaluations = _frame()
    sheets = read_xlsx(workbook(frame))
    assert list(sheets) == ["samples", "summary"]
    assert sheets["samples"][0] == result_columns()
    rows = records(sheets["samples"])
    assert [r["sample_id"] for r in rows] == ["s1", "s2"] and [r["timestamp"] for r in rows] == [10.0, 20.5]
    assert rows[0]["attribution"] == "1" and rows[1]["attribution"] == ""  # no chunk attributed
    for row, results in zip(rows, evaluations, strict=True):
        for metric in METRICS:
            assert row[f"{metric}_explanation"] == results[metric].explanation
            if metric != "attribution":
                assert row[metric] == float(results[metric].value)  # type: ignore[arg-type]
    assert rows[1]["user_input"] == "Is <b> &  escaped?"  # control character dropped, markup kept as text
    assert rows[1]["response"] == "Yes: <b> & \"quotes\" stay as text."
    stats = records(sheets["summary"])
    assert [s["metric"] for s in stats] == [*METRICS[:3], "attribution (chunks used)", *METRICS[4:]]
    faith = next(s for s in stats if s["metric"] == "faithfulness")
    assert faith["mean"] == (5 + 1) / 2 and faith["min"] == 1 and faith["max"] == 5 and faith["samples"] == 2


def test_summary_counts_attributed_chunks() -> None:
    frame, _ = _frame()
    stats = summary(frame)
    assert stats["n_samples"] == 2
    assert stats["metrics"]["attribution"] == {"mean": 0.5, "min": 0.0, "max": 1.0}
    assert stats["metrics"]["relevance"]["max"] == 5.0


def test_minimal_workbook_parts_and_column_names() -> None:
    content = write_xlsx([("a/b", [["x", 1, 2.5, True, None]]), ("a/b", [[float("nan")]])])
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert {"[Content_Types].xml", "xl/styles.xml", "xl/worksheets/sheet2.xml"} <= set(names)
    sheets = read_xlsx(content)
    assert list(sheets) == ["a_b", "a_b_2"]  # illegal characters replaced, names kept unique
    assert sheets["a_b"] == [["x", 1.0, 2.5, True]] and sheets["a_b_2"] == [[]]
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
