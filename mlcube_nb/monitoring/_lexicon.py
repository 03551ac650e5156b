"""Offline word lists of the sentiment metric: an Italian polarity lexicon, English additions to VADER,
and the negations and intensifiers of both languages.

English sentiment is scored by ``vaderSentiment`` (its 7,500-entry lexicon and rules); ``ENGLISH_ADDITIONS``
are review and support-ticket words of this package's former English list that VADER's social-media lexicon
lacks (``slow``, ``late``, ``refund``, ``bug``...). Italian has no comparable offline library, so it keeps
this package's own lexicon: common evaluative words of reviews, tickets and chats in their usual inflected
forms. Polarities run from -3 (very negative) to +3 (very positive), close to VADER's scale (on the words
both lists rated, VADER's ratings are 0.97 times ours, correlation 0.97). The negation and intensifier sets
also serve the topic stop words.
"""

from __future__ import annotations

from types import MappingProxyType


def _expand(groups: dict[int, str]) -> dict[str, float]:
    """Turn ``{polarity: "word word ..."}`` into ``{word: polarity}``."""
    return {word: float(polarity) for polarity, words in groups.items() for word in words.split()}


ENGLISH_ADDITIONS = MappingProxyType(_expand({
    3: "exceptional",
    2: "fast reliable smooth favourite polite quick",
    1: "decent affordable cheap correct works working fixed",
    -1: "slow late expensive pricey mediocre average issue issues bug bugs",
    -2: "unreliable refund crashed",
    -3: "abysmal atrocious garbage rubbish",
}))
"""Words missing from VADER's lexicon, added to it for English (and multilanguage) texts."""

_ITALIAN = _expand({
    3: "eccellente ottimo ottima ottimi ottime fantastico fantastica fantastici fantastiche perfetto "
       "perfetta perfetti perfette meraviglioso meravigliosa stupendo stupenda splendido splendida "
       "adoro amo eccezionale strepitoso",
    2: "buono buona buoni buone bello bella belli belle bravo brava bravi brave felice felici contento "
       "contenta contenti soddisfatto soddisfatta soddisfatti piace piaciuto piaciuta gentile gentili "
       "veloce veloci facile facili comodo comoda affidabile consiglio consigliato consigliata utile "
       "utili grazie migliore migliori piacevole efficiente cortese cortesi puntuale positivo positiva",
    1: "discreto discreta accettabile corretto corretta chiaro chiara funziona funzionante risolto "
       "risolta economico economica sufficiente tranquillo",
    -1: "lento lenta lenti costoso costosa caro cara confuso confusa problema problemi ritardo "
        "difficile difficili mancante sbagliato sbagliata strano strana rumoroso",
    -2: "cattivo cattiva male brutto brutta brutti triste deluso delusa delusione arrabbiato "
        "arrabbiata rotto rotta inutile inutili scortese sporco sporca odio peggio peggiore "
        "negativo negativa rimborso reclamo errore errori guasto fallito",
    -3: "pessimo pessima pessimi orribile orribili terribile terribili schifo vergognoso vergognosa "
        "disgustoso disgustosa truffa inaccettabile disastro",
})

ITALIAN = MappingProxyType(_ITALIAN)
"""The Italian polarity lexicon (word → polarity in [-3, 3])."""

_NEG_EN = frozenset(
    "not no never none nobody nothing neither nor cannot cant dont doesnt didnt isnt wasnt don doesn didn "
    "isn wasn aren weren couldn shouldn wouldn arent werent wont without hardly".split()
)
_NEG_IT = frozenset("non no mai nessuno nessuna niente nulla senza né".split())
NEGATIONS = MappingProxyType({"english": _NEG_EN, "italian": _NEG_IT, "multilanguage": _NEG_EN | _NEG_IT})

_INT_EN = frozenset("very really extremely so too super absolutely totally incredibly highly".split())
_INT_IT = frozenset("molto davvero veramente troppo super proprio estremamente assolutamente".split())
INTENSIFIERS = MappingProxyType({"english": _INT_EN, "italian": _INT_IT, "multilanguage": _INT_EN | _INT_IT})
