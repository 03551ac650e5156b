"""Small offline polarity lexicons (English, Italian) for lexicon-based sentiment.

Polarities run from -3 (very negative) to +3 (very positive). The lists were written for this
package: common evaluative words of product reviews, support tickets and chat messages, in
their usual inflected forms (Italian adjectives in all four genders/numbers where they are
common). They are deliberately small: the metric monitors *shifts* of sentiment between a
reference and production text, not the sentiment of one text with high accuracy.
"""

from __future__ import annotations

from types import MappingProxyType


def _expand(groups: dict[int, str]) -> dict[str, float]:
    """Turn ``{polarity: "word word ..."}`` into ``{word: polarity}``."""
    return {word: float(polarity) for polarity, words in groups.items() for word in words.split()}


_ENGLISH = _expand({
    3: "excellent outstanding amazing awesome fantastic superb wonderful perfect brilliant love loved loving "
       "delightful exceptional magnificent",
    2: "good great nice happy pleased glad enjoy enjoyed enjoyable like liked lovely beautiful pleasant "
       "helpful friendly fast easy reliable recommend recommended impressive satisfied satisfying "
       "comfortable efficient smooth fine favourite favorite thanks thank grateful win best better "
       "positive polite clean quick",
    1: "ok okay decent fair adequate useful works working correct clear calm affordable cheap solved "
       "fixed improved improvement",
    -1: "slow late confusing confused unclear expensive pricey mediocre average meh odd weird noisy "
        "problem problems issue issues bug bugs delay delayed difficult hard missing wrong",
    -2: "bad poor sad unhappy disappointed disappointing annoying annoyed angry upset broken fail "
        "failed failure useless rude dirty unreliable frustrating frustrated hate hated dislike "
        "worse negative refund complaint complain crash crashed error errors",
    -3: "terrible horrible awful worst disgusting pathetic dreadful atrocious appalling abysmal "
        "scam fraud unacceptable garbage rubbish",
})

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

LEXICONS = MappingProxyType({
    "english": MappingProxyType(_ENGLISH),
    "italian": MappingProxyType(_ITALIAN),
    "multilanguage": MappingProxyType({**_ITALIAN, **_ENGLISH}),
})

_NEG_EN = frozenset(
    "not no never none nobody nothing neither nor cannot cant dont doesnt didnt isnt wasnt don doesn didn "
    "isn wasn aren weren couldn shouldn wouldn arent werent wont without hardly".split()
)
_NEG_IT = frozenset("non no mai nessuno nessuna niente nulla senza né".split())
NEGATIONS = MappingProxyType({"english": _NEG_EN, "italian": _NEG_IT, "multilanguage": _NEG_EN | _NEG_IT})

_INT_EN = frozenset("very really extremely so too super absolutely totally incredibly highly".split())
_INT_IT = frozenset("molto davvero veramente troppo super proprio estremamente assolutamente".split())
INTENSIFIERS = MappingProxyType({"english": _INT_EN, "italian": _INT_IT, "multilanguage": _INT_EN | _INT_IT})
