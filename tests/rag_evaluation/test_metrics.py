"""The offline RAG metrics on samples whose right answer is obvious."""

from __future__ import annotations

import pytest

from mlcube_nb.rag_evaluation import LOWEST, METRICS, REQUIRED, RagSample, evaluate_samples
from mlcube_nb.rag_evaluation.text import chunks, content_terms, is_refusal, number_term

QUERY = "How many days do I have to return a product for a refund?"
RETURNS = "Products can be returned within 30 days of delivery. The refund reaches the original payment method."
OPENING = "Our stores open at 9am on weekdays. Parking is free for customers with a loyalty card."
SHIPPING = "Shipping is free above 50 euros. Parcels travel with a tracked courier."


def _one(sample: RagSample, **kwargs: object) -> dict:
    return evaluate_samples([sample], **kwargs)[0]  # type: ignore[arg-type]


def test_relevant_context_outranks_irrelevant_one() -> None:
    relevant, irrelevant = evaluate_samples(
        [RagSample(QUERY, RETURNS, "Within 30 days."), RagSample(QUERY, f"{OPENING}||{SHIPPING}", "Within 30 days.")],
        text_language="english", separator="||")
    assert relevant["relevance"].value >= 4
    assert irrelevant["relevance"].value == 1
    assert relevant["usefulness"].value > irrelevant["usefulness"].value
    assert irrelevant["usefulness"].value == 1
    assert "No context sentence" in irrelevant["usefulness"].explanation


def test_best_chunk_is_named_and_scored_per_chunk() -> None:
    result = _one(RagSample(QUERY, f"{OPENING}||{RETURNS}||{SHIPPING}", "ok"), separator="||")
    assert result["relevance"].explanation.startswith("Best chunk 2 of 3")
    assert "1:1, 2:" in result["relevance"].explanation and "3:1" in result["relevance"].explanation


def test_response_copying_a_chunk_is_attributed_used_and_faithful() -> None:
    context = f"{OPENING}||{RETURNS}||{SHIPPING}"
    result = _one(RagSample(QUERY, context, RETURNS), text_language="english", separator="||")
    assert result["attribution"].value == [2]
    assert "Chunk 2" in result["attribution"].explanation
    assert result["faithfulness"].value == 5
    assert result["satisfaction"].value >= 4
    copied_all = _one(RagSample(QUERY, context, context.replace("||", " ")), separator="||")
    assert copied_all["utilization"].value == 100.0
    assert copied_all["attribution"].value == [1, 2, 3]
    assert result["utilization"].value < copied_all["utilization"].value
    unrelated = _one(RagSample(QUERY, context, "Bananas grow on tall tropical plants."), separator="||")
    assert unrelated["utilization"].value == 0.0 and unrelated["attribution"].value == []
    assert unrelated["faithfulness"].value == 1


def test_a_number_the_context_states_otherwise_lowers_faithfulness() -> None:
    context = "The warranty period is 2 years for all devices."
    right = _one(RagSample("What is the warranty period?", context, "The warranty period is 2 years."))
    wrong = _one(RagSample("What is the warranty period?", context, "The warranty period is 5 years."))
    assert right["faithfulness"].value == 5
    assert wrong["faithfulness"].value < right["faithfulness"].value
    assert "numbers not in the context: 5" in wrong["faithfulness"].explanation


def test_refusals_and_echoes_are_not_satisfying() -> None:
    refusal = _one(RagSample(QUERY, RETURNS, "I'm sorry, but I don't know."))
    assert refusal["satisfaction"].value == 1 and "declines" in refusal["satisfaction"].explanation
    default = _one(RagSample(QUERY, RETURNS, "Please contact support."), default_answer="please contact SUPPORT.")
    assert default["satisfaction"].value == 1
    echo = _one(RagSample(QUERY, RETURNS, "Return a product for a refund?"))
    assert echo["satisfaction"].value == 2 and "repeats" in echo["satisfaction"].explanation
    answer = _one(RagSample(QUERY, RETURNS, "You can return a product for a refund within 30 days of delivery."))
    assert answer["satisfaction"].value == 5


@pytest.mark.parametrize("missing", ["user_input", "retrieved_context", "response"])
def test_a_missing_part_gives_the_lowest_score_and_names_it(missing: str) -> None:
    parts = {"user_input": QUERY, "retrieved_context": RETURNS, "response": RETURNS}
    for blank in (None, "   "):
        result = _one(RagSample(**(parts | {missing: blank})))
        label = missing.replace("_", " ").replace("retrieved context", "retrieved context")
        for metric in METRICS:
            if missing in REQUIRED[metric]:
                assert result[metric].value == LOWEST[metric], (metric, result[metric])
                assert label in result[metric].explanation and "missing" in result[metric].explanation
            else:
                assert "missing" not in result[metric].explanation, (metric, result[metric])


def test_every_part_missing_names_them_all() -> None:
    result = _one(RagSample(None, None, None))
    assert result["utilization"].explanation == ("Lowest score: the sample's user input, retrieved context and "
                                                 "response are missing, and utilization needs them")
    assert all(result[m].value == LOWEST[m] for m in METRICS)


def test_context_without_separator_is_one_chunk() -> None:
    assert chunks("a||b", None) == ["a||b"]
    assert chunks("a||||b", "||") == ["a", "", "b"]  # blank chunks keep the numbering
    result = _one(RagSample(QUERY, f"{OPENING}||{RETURNS}", RETURNS))
    assert result["attribution"].value == [1]


def test_text_handling_is_language_aware_and_deterministic() -> None:
    assert content_terms("The refunds were returned", "english") == ["refund", "return"]
    assert content_terms("Quanti giorni ho per il reso del prodotto?", "italian") == ["giorn", "res",
                                                                                      "prodott"]
    assert number_term("1,000") == number_term("1000") == "#1000"
    assert number_term("2,5") == number_term("2.50") == "#2.5"
    assert is_refusal("I don’t know the answer") and not is_refusal("You know it: 30 days")
    italian = _one(RagSample("Quanti giorni ho per il reso?", "Il reso è possibile entro 30 giorni.",
                             "Hai 30 giorni per il reso."), text_language="italian")
    assert italian["faithfulness"].value == 5 and italian["relevance"].value == 5
    samples = [RagSample(QUERY, f"{OPENING}||{RETURNS}", "Within 30 days."), RagSample(QUERY, SHIPPING, None)]
    assert evaluate_samples(samples, separator="||") == evaluate_samples(samples, separator="||")
