"""Topic modeling of texts (PLATFORM.md §9.3): stop words, TF-IDF, NMF, automatic number of topics, labels.

Pure (numpy, scipy, scikit-learn's ``TfidfVectorizer`` and ``NMF``), no I/O: :func:`fit_topics` takes
texts and returns a :class:`TopicModel` with the topics (label, top words and weights, share of
documents) and the topic of each text.
"""

from __future__ import annotations

from mlcube_nb.topics.model import UNASSIGNED, Topic, TopicModel, TopicSettings, choose_k, fit_topics
from mlcube_nb.topics.nmf import Factorisation, nmf
from mlcube_nb.topics.stopwords import STOP_WORDS, stop_words
from mlcube_nb.topics.tfidf import DocumentTermMatrix, build_matrix
from mlcube_nb.topics.tokens import tokenize, tokenize_all

__all__ = [
    "STOP_WORDS",
    "UNASSIGNED",
    "DocumentTermMatrix",
    "Factorisation",
    "Topic",
    "TopicModel",
    "TopicSettings",
    "build_matrix",
    "choose_k",
    "fit_topics",
    "nmf",
    "stop_words",
    "tokenize",
    "tokenize_all",
]
