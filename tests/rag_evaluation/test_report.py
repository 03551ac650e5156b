"""The per-sample results table, its summary, and the exported workbook read back from its XML."""

from __future__ import annotations

import io
import re
import zipfile

from mlcube_nb.rag_evaluation import (
    METRICS,
    Judgement,
    MetricResult,
    RagSample,
    evaluate_samples,
    results_frame,
    summary,
    workbook,
)
from mlcube_nb.rag_evaluation.report import result_columns
from mlcube_nb.rag_evaluation.xlsx import write_xlsx
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
    assert list(sheets) == ["samples", "summary", "judge"]
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
    assert sheets["a_b"] == [["x", 1.0, 2.5, True]] and sheets["a_b_2"] == []  # no cell for NaN


def _styles(content: bytes) -> tuple[str, list[str]]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", archive.read("xl/styles.xml").decode()).group(1)  # type: ignore[union-attr]
    return archive.read("xl/worksheets/sheet1.xml").decode(), re.findall(r"<xf [^>]*?/?>", xfs)


def test_text_that_looks_like_a_formula_is_written_as_text() -> None:
    risky = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "=HYPERLINK(\"http://x\",\"y\")", "\t=1"]
    content = write_xlsx([("s", [["header", "n"], *[[text, 1] for text in risky], ["plain", -5]])])
    assert read_xlsx(content)["s"][1:] == [[text, 1.0] for text in risky] + [["plain", -5.0]]  # values unchanged
    sheet, xfs = _styles(content)
    assert "<f>" not in sheet and "<f " not in sheet  # no cell is a formula
    for row in range(2, 2 + len(risky)):
        cell = re.search(rf'<c r="A{row}"([^>]*)>', sheet).group(1)  # type: ignore[union-attr]
        assert 't="s"' in cell  # a string cell...
        style = int(re.search(r's="(\d+)"', cell).group(1))  # type: ignore[union-attr]
        assert 'quotePrefix="1"' in xfs[style]  # ...that stays text when edited in Excel
    plain = re.search(r'<c r="A8"([^>]*)>', sheet).group(1)  # type: ignore[union-attr]
    assert 's="' not in plain or 'quotePrefix="1"' not in xfs[int(re.search(r's="(\d+)"', plain).group(1))]  # type: ignore[union-attr]
    assert re.search(r'<c r="B8"[^>]*><v>-5</v>', sheet)  # numbers stay numbers


def test_failed_samples_are_named_and_left_out_of_the_statistics() -> None:
    ok = {m: MetricResult([1] if m == "attribution" else 4, f"{m} ok") for m in METRICS}
    judgements = [Judgement(ok, prompt_tokens=100, completion_tokens=20),
                  Judgement(None, "judge failed: the model server answered HTTP 500", 7, 0)]
    frame = results_frame(["a", "b"], [1.0, 2.0], SAMPLES, judgements)
    judge = {"kind": "llm", "name": "judge-model", "model": "judge-model", "prompt_version": "v",
             "sees": "the texts", "cannot_see": "the world"}
    stats = summary(frame, judge)
    assert stats["failed_samples"] == 1 and stats["judge_tokens"] == 127 and stats["judge"]["name"] == "judge-model"
    assert stats["metrics"]["faithfulness"] == {"mean": 4.0, "min": 4.0, "max": 4.0}
    assert stats["metrics"]["attribution"] == {"mean": 1.0, "min": 1.0, "max": 1.0}
    sheets = read_xlsx(workbook(frame, judge))
    failed = records(sheets["samples"])[1]
    assert failed["judge_failure"] == "judge failed: the model server answered HTTP 500"
    assert failed["faithfulness"] is None and failed["faithfulness_explanation"] == failed["judge_failure"]
    about = {row[0]: row[1] for row in sheets["judge"][1:]}
    assert about["judge"] == "judge-model" and about["samples the judge failed on"] == 1
    assert about["tokens used (as reported by the model server)"] == 127
    assert [s["samples"] for s in records(sheets["summary"])] == [1] * len(METRICS)
