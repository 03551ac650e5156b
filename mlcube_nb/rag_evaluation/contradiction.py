"""Contradictions the offline judge can see between a response and its context, clause by clause.

Texts are cut into clauses (sentences, then at commas, colons and "and / but / while"). A response
clause is compared with the context clause that shares most of its content words:

- *polarity*: against the context clause that says most nearly the same thing (Jaccard similarity of
  their content words, an antonym pair counting as one shared word), sharing at least two content
  words and half of the response clause's, an odd number of negation cues (not, never, no, cannot,
  ...) on one side only, or an antonym of the other's word (open/closed, free/paid, included/excluded,
  up to/more than...), is a contradiction; a negated antonym ("never closes" against "open") is not;
- *slots*: names (words written with a capital inside a sentence) and numbers. A clause whose names
  and numbers no context clause holds together, while the context clause that best matches its
  other words holds another name or number of the same kind, restates a fact with the wrong value
  ("free above 30 euros" where the context says 50; "Paris is the capital of Italy"); so does a
  clause that pairs a number with another unit than the context does ("3 books for 5 weeks" where
  the context says 5 books for 3 weeks).

What it cannot see: synonyms, a swapped common noun ("the pool is open 24 hours" when the gym is),
negations it has no cue for, and facts spread over clauses by pronouns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from mlcube_nb.rag_evaluation.text import content_terms, number_term, sentences, tokens

_NOT = re.compile(r"n['\u2019]t\b", re.IGNORECASE)
_CLAUSE = re.compile(r",\s+(?:and|but|or|while|whereas|e|ma|mentre)?\s*|:\s+|\s+(?:and|but|while|whereas|ma|mentre)\s+",
                     re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_PHRASES = ((re.compile(r"\bup to\b", re.IGNORECASE), "upto"), (re.compile(r"\bat most\b", re.IGNORECASE), "atmost"),
            (re.compile(r"\bat least\b", re.IGNORECASE), "atleast"))
"""Bounds written in two words, made one word so that they can be antonyms of "more" / "less"."""
NEGATION_CUES = frozenset("""
not no never cannot none nobody nothing nowhere neither nor without non mai nessuno nessuna niente nulla senza
""".split())
"""Words that deny what their clause says (English and Italian; ``n't`` is read as ``not``)."""

_ANTONYM_GROUPS: tuple[tuple[str, str], ...] = (  # (words of one pole, words of the other)
    ("open opens opened opening", "closed close closes closing shut"),
    ("free gratis gratuito gratuita", "paid charged chargeable payable cost costs fee fees"),
    ("included include includes including incluso inclusa", "excluded exclude excludes excluding escluso esclusa"),
    ("allowed permitted accepted consentito ammesso", "forbidden prohibited banned refused rejected vietato"),
    ("available disponibile", "unavailable"),
    ("possible possibile", "impossible impossibile"),
    ("valid valido", "invalid"),
    ("increase increases increased", "decrease decreases decreased"),
    ("more higher above exceeding atleast minimum min minimo",
     "less fewer lower below upto atmost maximum max massimo"),
    ("mandatory required compulsory obbligatorio", "optional facoltativo"),
    ("enabled", "disabled"),
    ("true vero", "false falso"),
    ("public pubblico", "private privato"),
    ("safe", "unsafe dangerous"),
    ("cheap cheaper", "expensive"),
    ("early earlier", "late later"),
)
ANTONYMS: Mapping[str, tuple[int, int]] = {
    word: (group, pole) for group, poles in enumerate(_ANTONYM_GROUPS)
    for pole, words in ((1, poles[0]), (-1, poles[1])) for word in words.split()
}
"""word -> (antonym group, +1 or -1 pole)."""


@dataclass(frozen=True)
class Clause:
    """The parts of a clause the checks compare: content terms, names and numbers, negation, antonym poles."""

    text: str
    terms: frozenset[str]
    slots: frozenset[str]
    negated: bool | None
    """An odd number of negation cues; None for a sentence whose clauses disagree."""
    poles: Mapping[int, int] = field(default_factory=dict)
    """antonym group -> +1 / -1 (0: a sentence whose clauses use both)."""
    units: Mapping[str, str] = field(default_factory=dict)
    """unit term -> the number term just before it ("5 books": book -> #5)."""
    bound: Mapping[tuple[int, int], str] = field(default_factory=dict)
    """(antonym group, pole) -> the number after that word ("opens at 6": (open, +1) -> #6)."""
    keys: frozenset[str] = frozenset()
    """What clauses are matched on: content terms, an antonym written as its group."""
    plain: frozenset[str] = field(init=False)
    """Content terms that are neither names nor numbers."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "plain", self.terms - self.slots)


@lru_cache(maxsize=4096)
def _names_of(text: str, language: str) -> frozenset[str]:
    found: set[str] = set()
    for sentence in sentences(text):
        for word in _WORD.findall(sentence)[1:]:
            if word[0].isupper():
                found.update(content_terms(word, language))
    return frozenset(found)


def names(texts: Iterable[str], language: str) -> frozenset[str]:
    """Content terms of words written with a capital letter inside a sentence (not as its first word)."""
    return frozenset().union(*(_names_of(text, language) for text in texts))


def _units(sequence: Sequence[str]) -> dict[str, str]:
    pairs = zip(sequence[:-1], sequence[1:], strict=True)
    return {unit: term for term, unit in pairs if term.startswith("#") and not unit.startswith("#")}


def _unit(part: str, language: str) -> Clause | None:
    """A clause without slots (None when it has no content word)."""
    sequence = content_terms(part, language)
    if not sequence:
        return None
    words = [w.lower() for w in _WORD.findall(part)]
    negated = sum(w in NEGATION_CUES for w in words) % 2 == 1
    poles = {ANTONYMS[w][0]: ANTONYMS[w][1] for w in words if w in ANTONYMS}
    polar = {t for w in words if w in ANTONYMS for t in content_terms(w, language)}
    keys = frozenset(set(sequence) - polar) | {f"~{group}" for group in poles}
    return Clause(part.strip(), frozenset(sequence), frozenset(), negated, poles, units=_units(sequence),
                  bound=_bound(part), keys=keys)


def _bound(part: str) -> dict[tuple[int, int], str]:
    """Each antonym word's following number, in reading order."""
    bound: dict[tuple[int, int], str] = {}
    current: tuple[int, int] | None = None
    for token in tokens(part):
        number = number_term(token)
        if token in ANTONYMS:
            current = ANTONYMS[token]
        elif number is not None and current is not None:
            bound.setdefault(current, number)
            current = None
    return bound


def _whole(sentence: str, parts: list[Clause], language: str) -> Clause | None:
    """A sentence of several clauses as one unit: negation and poles only where its clauses agree.

    Compared for polarity only, so that a clause that lost its subject in the split ("... and closes at
    23") is still read with it; where the clauses disagree ("opens at 6 and closes at 23") nothing is denied.
    """
    whole = _unit(sentence, language)
    if whole is None:
        return None
    negations = {c.negated for c in parts}
    poles = {g: (p if all(c.poles.get(g, p) == p for c in parts) else 0) for g, p in whole.poles.items()}
    return replace(whole, negated=negations.pop() if len(negations) == 1 else None, poles=poles)


@lru_cache(maxsize=4096)
def _parsed(text: str, language: str) -> tuple[tuple[Clause, ...], tuple[Clause, ...]]:
    """The clauses of *text*, and its sentences of several clauses, without slots (cached: contexts repeat)."""
    for pattern, word in _PHRASES:
        text = pattern.sub(word, text)
    out: list[Clause] = []
    wholes: list[Clause] = []
    for sentence in sentences(_NOT.sub(" not", text)):
        parts = [c for c in (_unit(part, language) for part in _CLAUSE.split(sentence)) if c is not None]
        out += parts
        whole = _whole(sentence, parts, language) if len(parts) > 1 else None
        if whole is not None:
            wholes.append(whole)
    return tuple(out), tuple(wholes)


def _with_slots(clause: Clause, known_names: frozenset[str]) -> Clause:
    return replace(clause, slots=frozenset(t for t in clause.terms if t.startswith("#") or t in known_names))


def clauses(text: str, language: str, known_names: frozenset[str]) -> list[Clause]:
    """The clauses of *text*, each with what the checks compare; names and numbers are its slots."""
    return [_with_slots(c, known_names) for c in _parsed(text, language)[0]]


def _similarity(response: Clause, context: Clause) -> float:
    """Jaccard similarity of the two clauses' match keys.

    0 unless they share two keys, half the response's, and a word that is neither a number nor an antonym
    (so that "closes at 20" is not compared with "open from 8 to 20" on the number alone).
    """
    shared = response.keys & context.keys
    if len(shared) < 2 or len(shared) < len(response.keys) / 2 or all(k[0] in "#~" for k in shared):
        return 0.0
    return len(shared) / len(response.keys | context.keys)


def _polarity(response: Clause, context: Clause) -> bool:
    """Whether the two clauses say opposite things about what they share."""
    if context.negated is None or any(context.poles[g] == 0 for g in response.poles.keys() & context.poles.keys()):
        return False  # a sentence that says both cannot be denied
    shared = response.poles.keys() & context.poles.keys()
    if not shared:
        return response.negated != context.negated
    sign_r, sign_c = (-1 if response.negated else 1), (-1 if context.negated else 1)
    return any(response.poles[g] * sign_r != context.poles[g] * sign_c for g in shared)


def polarity_conflict(response: Clause, context: Sequence[Clause]) -> str | None:
    """The context clause the response clause denies, when its closest clauses all say the opposite."""
    scored = [(_similarity(response, c), c) for c in context]
    best = max((m for m, _ in scored), default=0.0)
    if best == 0.0:
        return None
    closest = [c for m, c in scored if m == best]
    if all(_polarity(response, c) for c in closest):
        return f'"{response.text}" denies "{closest[0].text}"'
    return None


def _kind(slot: str) -> str:
    return "number" if slot.startswith("#") else "name"


def _shown(slots: Iterable[str]) -> str:
    return ", ".join(sorted(s.lstrip("#") for s in slots))


def _unit_clash(response: Clause, context: Clause) -> str | None:
    """A unit the two clauses give different numbers ("3 books" / "5 books")."""
    for unit in sorted(response.units.keys() & context.units.keys()):
        if response.units[unit] != context.units[unit]:
            return (f'"{response.text}" gives {unit} {response.units[unit][1:]} where the context gives '
                    f'{context.units[unit][1:]} ("{context.text}")')
    return None


def _same_pairing(response: Clause, whole: Clause) -> bool:
    """Whether a sentence pairs the response's antonym words with the same numbers ("closes at 23")."""
    return bool(response.bound) and response.slots <= whole.slots and all(
        whole.bound.get(key) == number for key, number in response.bound.items())


def slot_conflict(response: Clause, context: Sequence[Clause], wholes: Sequence[Clause] = ()) -> str | None:
    """The context clause that states the response clause's fact with another name or number.

    *wholes* (sentences of several clauses) only vouch for numbers bound to an antonym word, in the same
    pairing ("opens at 6 and closes at 23" supports "closes at 23", not "opens at 23").
    """
    if not response.slots:
        return None
    overlaps = [(len(response.plain & c.plain), c) for c in context]
    best = max((o for o, _ in overlaps), default=0)
    holders = [c for o, c in overlaps if response.slots <= c.slots and o >= best]
    if holders:
        clashes = [_unit_clash(response, c) for c in holders]
        return clashes[0] if all(clashes) else None
    if any(_same_pairing(response, whole) for whole in wholes):
        return None
    kinds = {_kind(s) for s in response.slots}
    for overlap, clause in sorted(overlaps, key=lambda pair: -len(pair[1].slots & response.slots)):
        if overlap != best or (best == 0 and not clause.slots & response.slots):
            continue
        other = {s for s in clause.slots - response.slots if _kind(s) in kinds}
        if other:
            return f'"{response.text}" conflicts with "{clause.text}" (the context has {_shown(other)} there)'
    return None


def contradictions(response: str, context: Sequence[str], language: str) -> list[str]:
    """What the response states against its context, one description per contradicting clause."""
    known = names([response, *context], language)
    context_clauses = [c for text in context for c in clauses(text, language, known)]
    wholes = [_with_slots(w, known) for text in context for w in _parsed(text, language)[1]]
    found = []
    for clause in clauses(response, language, known):
        reason = (polarity_conflict(clause, context_clauses + wholes)
                  or slot_conflict(clause, context_clauses, wholes))
        if reason is not None:
            found.append(reason)
    return found
