"""The output-folder rule shared by every command."""

from __future__ import annotations

import pytest

from gridmodel.errors import InputError, OutputExistsError
from gridmodel._io.outdir import check_out_dir, prepare_out_dir


def test_existing_folder_is_kept_without_force(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "mine.txt").write_text("user data", encoding="utf-8")
    with pytest.raises(OutputExistsError, match=r"already exists.*--force") as err:
        prepare_out_dir(out, force=False)
    assert isinstance(err.value, InputError)
    assert (out / "mine.txt").read_text(encoding="utf-8") == "user data"
    with pytest.raises(OutputExistsError):
        check_out_dir(out, force=False)


def test_force_replaces_and_create_makes_it(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("x", encoding="utf-8")
    assert prepare_out_dir(out, force=True) == out
    assert out.is_dir()
    assert list(out.iterdir()) == []
    fresh = prepare_out_dir(tmp_path / "a" / "b", force=False, create=False)
    assert not fresh.exists()


def test_scenario_and_ensemble_share_the_error():
    from gridmodel.studies import ensemble, scenario

    assert scenario.OutputExistsError is OutputExistsError
    assert issubclass(ensemble.OutputExistsError, OutputExistsError)
