"""Ukrainian transliteration (gridmodel.network.translit) and the name keys built on it."""

from __future__ import annotations

import re

import pytest

import gridmodel
from gridmodel.errors import UnknownAssetError
from gridmodel.network.registry import normalize_name, resolve, slug
from gridmodel.network.translit import to_ascii, transliterate_uk

#: the examples of the table of KMU resolution 55 (27 January 2010), as printed there
KMU_55_EXAMPLES = {
    "Алушта": "Alushta", "Андрій": "Andrii", "Борщагівка": "Borshchahivka",
    "Вінниця": "Vinnytsia", "Гадяч": "Hadiach", "Згорани": "Zghorany", "Ґалаґан": "Galagan",
    "Донецьк": "Donetsk", "Рівне": "Rivne", "Єнакієве": "Yenakiieve", "Наталія": "Nataliia",
    "Житомир": "Zhytomyr", "Закарпаття": "Zakarpattia", "Медвин": "Medvyn",
    "Іршава": "Irshava", "Їжакевич": "Yizhakevych", "Кадиївка": "Kadyivka",
    "Йосипівка": "Yosypivka", "Стрий": "Stryi", "Олексій": "Oleksii", "Київ": "Kyiv",
    "Лебедин": "Lebedyn", "Миколаїв": "Mykolaiv", "Ніжин": "Nizhyn", "Одеса": "Odesa",
    "Полтава": "Poltava", "Решетилівка": "Reshetylivka", "Суми": "Sumy",
    "Тернопіль": "Ternopil", "Ужгород": "Uzhhorod", "Фастів": "Fastiv", "Харків": "Kharkiv",
    "Біла Церква": "Bila Tserkva", "Чернівці": "Chernivtsi", "Шостка": "Shostka",
    "Гоща": "Hoshcha", "Русь": "Rus", "Юрій": "Yurii", "Крюківка": "Kriukivka",
    "Яготин": "Yahotyn", "Костянтин": "Kostiantyn", "Знам'янка": "Znamianka",
    "Феодосія": "Feodosiia", "Розгон": "Rozghon", "Згурський": "Zghurskyi",
}


@pytest.mark.parametrize(("cyrillic", "latin"), sorted(KMU_55_EXAMPLES.items()))
def test_kmu_55_examples(cyrillic, latin):
    assert transliterate_uk(cyrillic) == latin


def test_word_start_is_a_word_not_a_cyrillic_run():
    # "ї" after Latin letters (a mixed-script name) is inside a word: "i", not "yi"
    assert transliterate_uk("Dnї") == "Dni"
    assert transliterate_uk("Дн ї") == "Dn yi"
    # the typographic apostrophe is dropped like the typewriter one
    assert transliterate_uk("Знам’янка") == "Znamianka"
    # Latin text and its apostrophes are left alone
    assert transliterate_uk("O'Brien 330 kV") == "O'Brien 330 kV"


def test_to_ascii_folds_the_rest():
    assert to_ascii("ТЕЦ №5") == "TETs No5"
    assert to_ascii("Café — Kyivska") == "Cafe  Kyivska"
    assert to_ascii("Dnіstrovska") == "Dnistrovska"  # a Cyrillic "і" inside a Latin name
    assert all(ord(c) < 128 for c in to_ascii("Ёлка «Ъ» Ыы Ээ ±°"))


def test_name_keys_and_slugs():
    assert normalize_name("Київська-750") == normalize_name("Kyivska 750") == "kyivska750"
    assert slug("Дарницька ТЕЦ-4") == "darnytska-tets-4"


def test_every_shipped_name_and_alias_resolves_to_its_asset():
    """Resolution on the shipped network: each name or alias gives its own asset, alone or
    within the set of assets that share it (a plant and its station)."""
    net = gridmodel.load_network("ukraine")
    reg = net.registry
    cyrillic = re.compile(r"[\u0400-\u04ff]")
    wrong = []
    checked = 0
    for aid, aliases in zip(reg["asset_id"], reg["aliases"], strict=True):
        for alias in (a for a in aliases.split("|") if cyrillic.search(a)):
            try:
                got = resolve(net, [alias])
            except UnknownAssetError as exc:  # shared by several assets: it must be one
                got = [aid] if aid in str(exc) else str(exc)
            if got != [aid]:
                wrong.append((alias, aid, got))
            checked += 1
    assert checked > 100
    assert not wrong
