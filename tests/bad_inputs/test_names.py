"""Name resolution never maps a name to an asset of another kind or technology (issue #12).

On the built-in ``ukraine`` network the audit found "Kyiv TPP", "Kyiv NPP", "Kyiv
substation" and "Kyiv" all resolved to Kyiv HPP and "Chernihiv TPP" to Chernihiv CHP: the
fallback that ignores noise words ("TPP", "PS", "kV") ignored what they say. Each case is
a strike list of one row naming such a target; loading it raises
:class:`~gridmodel.strikes.resolve.StrikeTargetError` naming the file and row, the words
ignored and the match refused, and the file is byte-identical afterwards. The fallback
still resolves names whose words agree with the asset.
"""

from __future__ import annotations

import pytest

import gridmodel
from gridmodel.errors import UnknownAssetError
from gridmodel.network.registry import resolve
from gridmodel.strikes import load_strikes
from gridmodel.strikes.resolve import StrikeTargetError

HEADER = "target,time,effect\n"


@pytest.fixture(scope="module")
def ukraine():
    return gridmodel.load_network("ukraine")


# (name, what the message says besides file and row)
REFUSED = [
    ("Kyiv TPP", ["words ignored in matching: 'TPP'",
                  "Kyiv HPP [plant:kyiv-hpp] (the name says a thermal (coal, gas, oil) plant",
                  "is a hydro plant"]),
    ("Kyiv NPP", ["words ignored in matching: 'NPP'", "the name says a nuclear plant"]),
    ("Kyiv substation", ["words ignored in matching: 'substation'",
                         "the name says a substation; 'Kyiv HPP' is a hydro plant"]),
    ("Kyiv", ["words ignored in matching: none", "the name says no kind"]),
    ("Chernihiv TPP", ["words ignored in matching: 'TPP'",
                       "Chernihiv CHP [plant:chernihiv-chp]",
                       "is a combined heat and power plant"]),
    ("Burshtyn", ["words ignored in matching: none", "Burshtyn TPP [plant:burshtyn-tpp]",
                  "Burshtyn TPP substation [sub:burshtyn-tpp-substation]"]),
]


@pytest.mark.parametrize(("name", "says"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_name_of_another_kind_or_technology_is_refused(tmp_path, ukraine, name, says):
    path = tmp_path / "strikes.csv"
    path.write_text(f"{HEADER}{name},2026-02-03T04:00+02:00,destroyed\n", encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(StrikeTargetError) as info:
        load_strikes(path, ukraine)
    msg = str(info.value)
    assert f"{path}, row(s) 2: {name!r} is unknown" in msg
    for s in says:
        assert s in msg, (s, msg)
    assert path.read_bytes() == before


def test_the_api_names_the_ignored_words(ukraine):
    with pytest.raises(UnknownAssetError) as info:
        resolve(ukraine, ["Kyiv TPP"])
    assert info.value.kind == "unknown"
    assert "words ignored in matching: 'TPP'" in info.value.notes["Kyiv TPP"]


@pytest.mark.parametrize(("name", "asset_id"), [
    ("Kyivska 750 kV PS", "sub:kyivska-750"),   # 'kV', 'PS': a substation, as the alias
    ("Kyivska PS", "sub:kyivska-750"),          # not the Kyivska HPP alias of Kyiv HPP
    ("Kyiv TETs-5", "plant:kyiv-chp-5"),        # TETs: a CHP, not its substation
    ("Kyiv CHP-5 PS", "sub:kyiv-chp-5-substation"),
    ("Kyiv HPP", "plant:kyiv-hpp"),
])
def test_words_that_agree_with_the_asset_still_match(ukraine, name, asset_id):
    assert resolve(ukraine, [name]) == [asset_id]
