"""Offline stop-word lists (English, Italian) used to keep only the content words of a text.

Written for this package: articles, pronouns, auxiliaries, prepositions, conjunctions and the
most frequent question words and fillers. They are short on purpose — the metrics compare which
content words two texts share, so what matters is dropping the glue words every text has.
"""

from __future__ import annotations

from types import MappingProxyType

_ENGLISH = frozenset("""
a about above after again against all also am an and any are aren as at be because been before being below
between both but by can cannot could couldn did didn do does doesn doing don down during each either else
ever few for from further had hadn has hasn have haven having he her here hers herself him himself his how
however i if in into is isn it its itself just let ll me might more most much must mustn my myself neither
no nor not now of off on once one only or other ought our ours ourselves out over own please re same shall
shan she should shouldn so some such than that the their theirs them themselves then there these they this
those through thus to too under until up upon us ve very was wasn we were weren what when where whether
which while who whom whose why will with won would wouldn yes yet you your yours yourself yourselves
tell told say said know get got give gave make made want like many need use used also really s t d m
""".split())

_ITALIAN = frozenset("""
a ad agli ai al alla alle allo anche avere aveva avevano c che chi ci come con contro cosa cui da dagli dai
dal dalla dalle dallo degli dei del dell della delle dello di dove e ed egli ella era erano essere fa fare
gli ha hai hanno ho i il in io la le lei li lo loro lui ma me mi mia mie miei mio ne negli nei nel nella
nelle nello noi non nostra nostre nostri nostro o ogni per perché però più po poi qual quale quali quando quanti quante
quanto quella quelle quelli quello questa queste questi questo se sei si sia siamo siete sono su sua sue
sugli sui sul sulla sulle sullo suo suoi ti tra tu tua tue tuo tuoi tutti tutto un una uno vi voi vostra
vostro è sì già ancora sempre molto essere stato stata stati state può posso puoi possono devo deve
""".split())

STOP_WORDS = MappingProxyType({
    "english": _ENGLISH,
    "italian": _ITALIAN,
    "multilanguage": _ENGLISH | _ITALIAN,
})
"""Stop words by task text language (TextLanguage values)."""
