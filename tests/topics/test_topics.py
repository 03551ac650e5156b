"""Topic modeling maths: planted word groups come back as topics with the right documents, deterministically."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from mlcube_nb.topics import (
    UNASSIGNED,
    TopicSettings,
    build_matrix,
    choose_k,
    fit_topics,
    nmf,
    stop_words,
    tokenize,
    tokenize_all,
)

GROUPS = {
    "billing": "refund invoice charge payment card billing money credit".split(),
    "delivery": "delivery package courier shipping tracking parcel arrived address".split(),
    "account": "password login account email reset username locked profile".split(),
}
NOISE = "today customer service question team".split()


def planted(n: int = 150, seed: int = 1) -> tuple[list[str], list[str]]:
    """*n* short texts, each 3–6 words of one group (in turn) plus up to two shared words and stop words."""
    rng = np.random.default_rng(seed)
    texts, truth = [], []
    for i in range(n):
        group = list(GROUPS)[i % len(GROUPS)]
        words = [*rng.choice(GROUPS[group], size=int(rng.integers(3, 7))),
                 *rng.choice(NOISE, size=int(rng.integers(0, 3)))]
        rng.shuffle(words)
        texts.append("Hello, the " + " ".join(words) + " is for my request!")
        truth.append(group)
    return texts, truth


def test_three_planted_groups_are_three_topics_with_their_documents() -> None:
    texts, truth = planted()
    model = fit_topics(texts)
    assert len(model.topics) == 3
    pairs = Counter(zip(truth, model.labels, strict=True))
    assert len(pairs) == 3  # each planted group maps to exactly one topic, and vice versa
    for topic in model.topics:
        group = next(g for g, label in pairs if label == topic.label)
        assert set(topic.words[:3]) <= set(GROUPS[group]), topic
        assert topic.label == " · ".join(topic.words[:3])
        assert topic.n_documents == 50 and topic.share == pytest.approx(1 / 3, abs=1e-6)
        assert topic.weights == sorted(topic.weights, reverse=True)
    summary = model.summary()
    assert summary["n_topics"] == 3 and summary["n_unassigned"] == 0
    assert summary["selection"]["criterion"] == "reconstruction_error_elbow"
    assert list(summary["selection"]["relative_errors"]) == [str(k) for k in range(1, 12)]


def test_same_seed_same_result_and_order_is_kept() -> None:
    texts, _ = planted(90, seed=4)
    first, second = fit_topics(texts), fit_topics(texts)
    assert first.labels == second.labels and first.summary() == second.summary()
    other = fit_topics(texts, settings=TopicSettings(seed=7))
    assert Counter(other.labels).most_common() == Counter(first.labels).most_common()


def test_empty_missing_and_stop_word_only_texts_are_unassigned() -> None:
    texts, truth = planted(60)
    texts += ["", None, "the and of it", "1234 !!"]
    model = fit_topics(texts)
    assert model.labels[-4:] == [UNASSIGNED] * 4
    assert UNASSIGNED not in model.labels[:-4]
    assert len(model.topics) == 3 and model.summary()["n_unassigned"] == 4
    assert sum(t.n_documents for t in model.topics) == 60


def test_no_words_at_all_gives_no_topics() -> None:
    model = fit_topics(["", None, "the of and"])
    assert model.topics == [] and model.labels == [UNASSIGNED] * 3
    assert fit_topics([]).labels == []


def test_few_short_documents_give_one_topic() -> None:
    model = fit_topics(["refund please", "refund my order", "order refund late", "late refund"])
    assert len(model.topics) == 1 and set(model.labels) == {model.topics[0].label}
    assert "refund" in model.topics[0].words


def test_topic_count_is_capped_by_settings() -> None:
    texts, _ = planted()
    model = fit_topics(texts, settings=TopicSettings(max_topics=2))
    assert len(model.topics) <= 2 and len(model.errors) == 3


def test_tokenizer_drops_stop_words_digits_and_one_letter_pieces() -> None:
    assert tokenize("I don't want 2 refunds, NOT today!", stop_words("english")) == ["refunds", "today"]
    assert tokenize_all(["Il rimborso dell'ordine è in ritardo"], "italian") == [["rimborso", "ordine", "ritardo"]]
    assert "the" in stop_words(None) and "della" in stop_words("multilanguage")


def test_tfidf_rows_are_unit_norm_rare_and_ubiquitous_words_dropped() -> None:
    docs = [["refund", "order"], ["refund", "late"], ["refund", "order", "order"]] * 4 + [["typo"]]
    dtm = build_matrix(docs)
    assert dtm.vocabulary == ("late", "order")  # typo: in 1 document; refund: in 12 of 13 (> 90 %)
    norms = np.sqrt(np.asarray(dtm.matrix.multiply(dtm.matrix).sum(axis=1)).ravel())
    assert np.allclose(norms[:-1], 1.0) and norms[-1] == 0 and dtm.empty_rows().tolist() == [False] * 12 + [True]


def test_nmf_recovers_an_exact_low_rank_matrix() -> None:
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.uniform(size=(40, 3)) @ rng.uniform(size=(3, 25)))
    fit = nmf(X, 3, max_iter=500, tol=1e-9)
    assert fit.relative_error < 1e-3
    assert np.allclose(np.linalg.norm(fit.H, axis=1), 1.0) and (fit.W >= 0).all() and (fit.H >= 0).all()
    with pytest.raises(ValueError, match="k must be"):
        nmf(X, 26)


def test_choose_k_finds_the_sharpest_slowdown() -> None:
    assert choose_k({1: 0.9, 2: 0.7, 3: 0.5, 4: 0.48, 5: 0.46}) == 3
    assert choose_k({1: 0.9}) == 1
    assert choose_k({1: 0.9, 2: 0.6}) == 2
    assert choose_k({1: 0.5, 2: 0.5, 3: 0.5}) == 1
