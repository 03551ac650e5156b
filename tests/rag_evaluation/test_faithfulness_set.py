"""The offline judge on the labelled faithfulness set: every negation and swapped fact below every faithful answer."""

from __future__ import annotations

from mlcube_nb.rag_evaluation import RagSample, evaluate_samples
from mlcube_nb.rag_evaluation.contradiction import clauses, contradictions, names
from tests.rag_evaluation.faithfulness_set import CASES, HOTEL, KNOWN_MISSES


def _faithfulness(context: str, response: str) -> tuple[float, str]:
    result = evaluate_samples([RagSample("What does the context say?", context, response)],
                              text_language="english")[0]["faithfulness"]
    return float(result.value), result.explanation  # type: ignore[arg-type]


def test_negations_and_swapped_facts_score_below_every_faithful_answer() -> None:
    scores: dict[str, list[float]] = {}
    for label, context, response in CASES:
        scores.setdefault(label, []).append(_faithfulness(context, response)[0])
    faithful = scores["faithful"] + scores["paraphrase"]
    contradicting = scores["negation"] + scores["swapped"]
    assert max(contradicting) < min(faithful), scores
    assert min(scores["faithful"]) == 5 and min(scores["paraphrase"]) >= 2
    assert max(scores["wrong_number"]) < min(faithful)


def test_the_explanation_names_the_contradicted_clause() -> None:
    score, text = _faithfulness(HOTEL, "The fitness room is closed at night.")
    assert score == 1 and 'denies "The fitness room is open 24 hours a day."' in text
    score, text = _faithfulness(HOTEL, "You can go to the gym at night: the fitness room never closes.")
    assert score >= 2 and "contradicts" not in text  # a negated antonym agrees with "open"


def test_names_numbers_and_negation_cues_are_read_from_the_text() -> None:
    known = names(["The Colosseum is in Rome and the Louvre is in Paris."], "english")
    assert known == {"colosseum", "rome", "louvre", "paris"}
    [first, second] = clauses("The Colosseum isn't in Rome, and the Louvre is in Paris.", "english", known)
    assert first.negated and not second.negated and first.slots == {"colosseum", "rome"}
    assert contradictions("The Colosseum is in Paris.", ["The Colosseum is in Rome."], "english")


def test_known_misses_are_what_the_docs_say_it_cannot_see() -> None:
    for _, context, response in KNOWN_MISSES:  # a swapped common noun: no name or number moved
        assert _faithfulness(context, response)[0] == 5
