"""Company names to one company key, across legal forms, quotes, case and alphabets.

Registers write the same company many ways: ``Общество с ограниченной ответственностью
'ПРОМОМЕД РУС' (ООО 'ПРОМОМЕД РУС')``, ``ПРОМОМЕД РУС ООО``, ``Сан Фармасьютикал Индастриз
Лтд``, ``Сан Фармасьютикал Индастриз Лимитед``, ``Hetero Labs Limited``, ``Шрея Лайф Саенсиз
Пвт.Лтд``, ``Shreya Life Sciences Pvt. Ltd.``. :func:`company_key` removes what does not
identify the company and keeps what does:

1. a trailing parenthesis that repeats the name in short form (``(ООО 'X')``) and
   bracketed places (``[г.Москва]``) are dropped;
2. quotes, ``®``/``™``, punctuation and case are dropped, ``ё`` is ``е``;
3. legal forms, in Russian, their Russian transliterations and Latin (ООО, ЗАО, АО, ПАО,
   ФГУП, Лтд, Лимитед, Пвт, Прайвит, Инк, ГмбХ, Ltd, Limited, Pvt, Private, Inc, GmbH,
   AG, S.A., B.V., Co. KG...), wherever they stand, are dropped;
4. Cyrillic is transliterated to Latin (a simple letter table), so keys are ASCII.

The rule is exact after normalisation, not fuzzy: ``Sun Pharmaceutical`` and its Russian
transcription ``Сан Фармасьютикал`` stay two keys (their letters differ); a name that
is only a legal form keeps it, so no key is empty.

Examples
--------
>>> company_key("Сан Фармасьютикал Индастриз Лтд") == company_key('"Сан Фармасьютикал Индастриз" Лимитед')
True
>>> company_key("Общество с ограниченной ответственностью 'ПРОМОМЕД РУС' (ООО 'ПРОМОМЕД РУС')")
'promomed rus'
>>> company_key("Shreya Life Sciences Pvt. Ltd."), company_key("Hetero Labs Limited")
('shreya life sciences', 'hetero labs')
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["LEGAL_FORMS", "company_key", "transliterate"]

#: Multi-word legal forms (Russian, spelled out), removed before single words.
_LONG_FORMS = (
    "общество с ограниченной ответственностью", "закрытое акционерное общество",
    "открытое акционерное общество", "публичное акционерное общество", "непубличное акционерное общество",
    "акционерное общество", "федеральное государственное унитарное предприятие",
    "государственное унитарное предприятие", "научно производственное объединение",
    "научно производственная фирма", "общества с ограниченной ответственностью", "акционерные общества",
    "private limited", "public limited company", "limited liability company", "and company", "и ко",
    "and co", "& co", "ко кг", "co kg", "с а", "s a", "b v", "n v", "s p a", "s r l", "d d", "s a s",
    "прайвит лимитед", "прайвет лимитед", "пвт лтд", "pvt ltd", "с р л", "с п а", "б в", "н в", "д д",
    "гмбх и ко кг", "gmbh & co kg", "gmbh and co kg", "лтд ко", "ltd co", "ко лтд", "co ltd",
)
#: Single-word legal forms (after punctuation is removed).
LEGAL_FORMS = frozenset({
    "ооо", "зао", "оао", "пао", "ао", "нао", "фгуп", "гуп", "нпо", "нпф", "фгбу", "фгу", "гу", "тоо", "ип",
    "лтд", "лимитед", "лимитэд", "пвт", "прайвит", "прайвет", "инк", "инкорпорейтед", "корп", "корпорейшн",
    "гмбх", "аг", "плс", "кг", "ллс", "ллк", "лтда", "спа", "срл", "сро", "кфт", "зрт", "нв", "бв",
    "ltd", "limited", "pvt", "private", "inc", "incorporated", "corp", "corporation", "llc", "gmbh", "ag",
    "plc", "kg", "sa", "spa", "srl", "bv", "nv", "sro", "kft", "zrt", "ltda", "sas", "oy", "ab", "as", "pte",
    "co", "ко",
})
_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia", "і": "i", "ї": "i", "є": "e", "ә": "a", "ғ": "g", "қ": "k", "ң": "n",
    "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
})
_SHORT_IN_PARENS = re.compile(r"\s*\(([^()]*)\)\s*$")
_BRACKETS = re.compile(r"\[[^\]]*\]")
_QUOTES = re.compile(r"[\"'«»“”„‘’`´®™©]")
_NON_WORD = re.compile(r"[^\w&]+")


def transliterate(text: str, /) -> str:
    """Cyrillic letters to Latin (lower case, a plain letter table; Latin and digits unchanged)."""
    return text.casefold().translate(_TRANSLIT)


def _words(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = _QUOTES.sub(" ", text)
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


@functools.lru_cache(maxsize=200_000)
def company_key(name: str, /) -> str:
    """The company key of a name (see the module docstring); empty input gives ``""``."""
    text = _BRACKETS.sub(" ", str(name))
    short = _SHORT_IN_PARENS.search(text)
    if short and text[: short.start()].strip():
        inner = _words(short.group(1)).split()
        # "(ООО 'X')" repeats the name; "(Интернэшнл)" or "(отделение фирмы ...)" is part of it.
        if inner and (inner[0] in LEGAL_FORMS or inner[-1] in LEGAL_FORMS):
            text = text[: short.start()]
    words = f" {_words(text)} "
    for form in _LONG_FORMS:
        words = words.replace(f" {form} ", " ")
    kept = [w for w in words.split() if w not in LEGAL_FORMS]
    if not kept:  # nothing but a legal form: keep it rather than an empty key
        kept = words.split()
    return transliterate(" ".join(kept))
