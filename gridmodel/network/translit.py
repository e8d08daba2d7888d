"""Ukrainian Cyrillic to Latin: the official national transliteration, and ASCII folding.

The table is the one of Resolution No. 55 of the Cabinet of Ministers of Ukraine,
"Pro vporiadkuvannia transliteratsii ukrainskoho alfavitu latynytseiu", 27 January 2010
(zakon.rada.gov.ua/laws/show/55-2010-п), the system of Ukrainian passports and road signs:

- ``г`` is ``h`` and ``ґ`` is ``g``; ``зг`` is ``zgh`` (Розгон -> Rozghon), to tell it
  from ``ж`` (``zh``);
- ``є``, ``ї``, ``й``, ``ю``, ``я`` are ``ye``, ``yi``, ``y``, ``yu``, ``ya`` at the start
  of a word and ``ie``, ``i``, ``i``, ``iu``, ``ia`` elsewhere;
- the soft sign ``ь`` and the apostrophe are not transliterated.

Letters outside the Ukrainian alphabet that turn up in place names of the region (the
Russian ``ё``, ``ъ``, ``ы``, ``э``) take the nearest Ukrainian reading (``e``, nothing,
``y``, ``e``); every other character is folded to ASCII by Unicode compatibility
decomposition without its accents (``№`` -> ``No``, ``é`` -> ``e``) or dropped.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["to_ascii", "transliterate_uk"]

#: KMU 55 (2010): letter -> Latin everywhere in a word
_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia",
    # not Ukrainian letters: the nearest Ukrainian reading
    "ё": "e", "ъ": "", "ы": "y", "э": "e",
}
#: KMU 55 (2010): the letters spelled otherwise at the start of a word
_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
#: apostrophes (typewriter, typographic, modifier letter) inside a word: not transliterated
_APOSTROPHES = "'\u2019\u02bc\u2018`"
_CYRILLIC = "\u0400-\u04ff"
_CYRILLIC_RUN = re.compile(rf"[{_CYRILLIC}]+(?:[{_APOSTROPHES}][{_CYRILLIC}]+)*")


def _letter(lower: str, k: int, at_word_start: bool) -> str:
    """Latin spelling of the lower-case Cyrillic letter ``lower[k]``."""
    ch = lower[k]
    if ch == "г" and k > 0 and lower[k - 1] == "з":
        return "gh"
    if at_word_start and ch in _INITIAL:
        return _INITIAL[ch]
    return _LETTERS.get(ch, ch)


def _run(match: re.Match) -> str:
    """One run of Cyrillic letters (apostrophes inside it dropped), case kept."""
    run = match.group(0)
    text = match.string
    word_start = match.start() == 0 or not text[match.start() - 1].isalpha()
    lower = run.lower()
    out = []
    for k, ch in enumerate(lower):
        if ch in _APOSTROPHES:
            continue
        latin = _letter(lower, k, word_start and k == 0)
        out.append(latin[:1].upper() + latin[1:] if run[k] != ch else latin)
    return "".join(out)


def transliterate_uk(text: str) -> str:
    """Spell the Ukrainian Cyrillic of ``text`` in Latin letters (KMU 55, 2010).

    Parameters
    ----------
    text : str
        Any text; characters that are not Cyrillic are kept as they are.

    Returns
    -------
    str
        ``"Київська"`` -> ``"Kyivska"``, ``"Згурівка"`` -> ``"Zghurivka"``,
        ``"Ємільчине"`` -> ``"Yemilchyne"``.
    """
    return _CYRILLIC_RUN.sub(_run, str(text))


def to_ascii(text: str) -> str:
    """Transliterate ``text`` (:func:`transliterate_uk`) and fold the rest to ASCII.

    Other accented letters lose their accents, compatibility characters decompose
    (``№`` -> ``No``, ``ﬁ`` -> ``fi``) and whatever has no ASCII form is dropped.
    """
    latin = unicodedata.normalize("NFKD", transliterate_uk(text))
    return latin.encode("ascii", "ignore").decode("ascii")
