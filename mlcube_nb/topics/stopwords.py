"""Stop words of the task languages (English, Italian; ``multilanguage`` = both), dropped before topic modeling.

The lists are the usual function words (articles, pronouns, auxiliaries, prepositions, conjunctions)
plus the negations and intensifiers of the sentiment lexicon (:mod:`mlcube_nb.monitoring._lexicon`):
words that occur in every kind of text and so say nothing about what a text is about. Contractions
are listed as the pieces the tokenizer leaves (``don't`` → ``don``; one-letter pieces are dropped
anyway). The lists are deliberately short and hand-written: no NLP corpus is shipped offline.
"""

from __future__ import annotations

from types import MappingProxyType

from mlcube_nb.monitoring._lexicon import INTENSIFIERS, NEGATIONS

_ENGLISH = frozenset("""
a about above after again against all almost also am an and any are as at be because been before being
below between both but by can could did do does doing done down during each either else even ever every
few for from further get gets got had has have having he her here hers herself him himself his how however
i if in into is it its itself just let like ll made make many may me might more most much must my myself
now of off often on once one only or other others our ours ourselves out over own per please quite rather
re same shall she should since so some still such than that the their theirs them themselves then there
these they this those though through thus to too under until up upon us use used using ve via want wants
was we well were what when where whether which while who whom whose why will with within would yet you
your yours yourself yourselves hi hello dear thanks thank ok okay yes im ive id youre theyre thats whats
anyway etc
""".split()) | NEGATIONS["english"] | INTENSIFIERS["english"]

_ITALIAN = frozenset("""
a ad agli ai al alla alle allo anche ancora avere aveva avevo abbiamo avete hanno ha ho hai che chi ci
come con contro cui da dagli dai dal dalla dalle dallo degli dei del della delle dello dentro di dove e
ed era erano essere fa fare fino fra gli ha i il in io la le lei li lo loro lui ma me mi mia mie miei mio
ne nei nel nella nelle nello noi o od ogni per perché però più poi poco qua quale quali qualche quando
quanto quella quelle quelli quello questa queste questi questo qui se sei si sia siamo siete sono sta
stato stata su sua sue sui sul sulla sulle suo suoi te ti tra tu tua tue tuo tuoi tutti tutto tutta
tutte un una uno vi voi ciao salve buongiorno buonasera grazie prego dell dall nell sull all quest
c è sì cosa già solo sempre
""".split()) | NEGATIONS["italian"] | INTENSIFIERS["italian"]

STOP_WORDS = MappingProxyType({
    "english": _ENGLISH,
    "italian": _ITALIAN,
    "multilanguage": _ENGLISH | _ITALIAN,
})
"""Stop words by task language (the values of :class:`mlcube_nb.enums.TextLanguage`)."""


def stop_words(language: str | None) -> frozenset[str]:
    """The stop words of *language*; unknown or missing languages get English and Italian together."""
    return STOP_WORDS.get(language or "multilanguage", STOP_WORDS["multilanguage"])
