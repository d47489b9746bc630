"""Saving on the Scenarios page: the file keeps its comments and layout (tomlkit), whole
numbers stay whole, "Save as" renames the scenario, the confirmation sits next to the button,
and choosing another file with unsaved edits asks first."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from conftest import SMALL_SHOP as SMALL
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app_pages.scenario_toml import edited_text, whole  # noqa: E402

#: small_a with comments, an inline comment and a blank-line layout a rewrite would lose.
COMMENTED = "# Our shop, as measured in March\n" + SMALL.replace(
    "[demand]\n", "\n[demand]\n# a normal weekday\n"
).replace("orders_per_day = 200", "orders_per_day = 200    # orders placed per day")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    scenarios, runs = tmp_path / "scenarios", tmp_path / "runs"
    scenarios.mkdir()
    runs.mkdir()
    (scenarios / "small_a.toml").write_text(COMMENTED)
    (scenarios / "small_b.toml").write_text(
        'base = "small_a.toml"\nname = "small_b"\ndescription = "Batch picking"\n'
        '[picking]\nmethod = "batch"\n'
    )
    monkeypatch.setenv("OMSIM_SCENARIOS_DIR", str(scenarios))
    monkeypatch.setenv("OMSIM_RUNS_DIR", str(runs))
    return scenarios


def scenarios_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("app_pages/scenarios.py").run()
    assert not at.exception
    return at


def widget(at: AppTest, kind: str, suffix: str):
    return next(w for w in getattr(at, kind) if w.key and w.key.endswith(suffix))


def test_whole_numbers_are_written_whole():
    assert whole(3000.0) == 3000 and isinstance(whole(3000.0), int)
    assert whole(2.5) == 2.5
    assert whole(True) is True  # a bool is not a number to rewrite
    assert whole({"a": [1.0, {"b": 4.0}]}) == {"a": [1, {"b": 4}]}


def test_edited_text_keeps_comments_and_sets_only_the_changes():
    text = edited_text(COMMENTED, {}, {"demand.orders_per_day": 3000.0, "picking.method": "zone"})
    assert text.startswith("# Our shop, as measured in March\n")
    assert "# a normal weekday\n" in text
    assert "orders_per_day = 3000    # orders placed per day" in text
    data = tomllib.loads(text)
    assert data["picking"] == {"method": "zone"}
    # everything not changed is as it was
    original = tomllib.loads(COMMENTED)
    data["demand"]["orders_per_day"] = original["demand"]["orders_per_day"]
    del data["picking"]
    assert data == original


def test_save_keeps_comments_and_writes_3000_not_3000_0(folder):
    at = scenarios_page()
    widget(at, "number_input", ":demand.orders_per_day").set_value(3000.0).run()
    widget(at, "checkbox", ":overwrite").check().run()
    widget(at, "button", ":save").click().run()
    assert not at.exception and not at.error
    text = (folder / "small_a.toml").read_text()
    assert "# Our shop, as measured in March" in text and "# a normal weekday" in text
    assert "orders_per_day = 3000    # orders placed per day" in text
    assert "3000.0" not in text
    # the confirmation is shown next to the save button, not at the top of the page
    assert [s.value for s in at.success] == ["Saved small_a.toml in the scenarios folder."]
    assert [t.value for t in at.toast] == ["Saved small_a.toml in the scenarios folder."]


def test_save_as_renames_the_scenario_and_keeps_the_original(folder):
    before = (folder / "small_a.toml").read_text()
    at = scenarios_page()
    widget(at, "text_input", ":save_name").set_value("small_copy").run()
    button = widget(at, "button", ":save")
    assert button.label == "Save as small_copy.toml"
    button.click().run()
    assert not at.exception and not at.error
    copy = (folder / "small_copy.toml").read_text()
    assert tomllib.loads(copy)["name"] == "small_copy"
    assert "# Our shop, as measured in March" in copy
    assert (folder / "small_a.toml").read_text() == before
    assert at.selectbox(key="scenario_file").value == "small_copy"


def test_save_as_keeps_a_name_the_user_typed(folder):
    at = scenarios_page()
    widget(at, "text_input", ":name").set_value("Peak week").run()
    widget(at, "text_input", ":save_name").set_value("peak").run()
    widget(at, "button", ":save").click().run()
    assert tomllib.loads((folder / "peak.toml").read_text())["name"] == "Peak week"


def test_switching_files_with_unsaved_edits_asks_first(folder):
    at = scenarios_page()
    widget(at, "number_input", ":demand.orders_per_day").set_value(650.0).run()
    at.selectbox(key="scenario_file").set_value("small_b").run()
    assert not at.exception
    # still editing small_a, with the edit, and asked
    assert at.selectbox(key="scenario_file").value == "small_a"
    assert widget(at, "number_input", ":demand.orders_per_day").value == 650.0
    assert any("unsaved changes" in w.value for w in at.warning)
    at.button(key="scenario_keep").click().run()
    assert not any("unsaved changes" in w.value for w in at.warning)
    assert widget(at, "number_input", ":demand.orders_per_day").value == 650.0
    at.selectbox(key="scenario_file").set_value("small_b").run()
    at.button(key="scenario_discard").click().run()
    assert not at.exception
    assert at.selectbox(key="scenario_file").value == "small_b"
    assert widget(at, "selectbox", ":picking.method").value == "batch"


def test_switching_files_without_edits_does_not_ask(folder):
    at = scenarios_page()
    at.selectbox(key="scenario_file").set_value("small_b").run()
    assert at.selectbox(key="scenario_file").value == "small_b"
    assert not at.warning


def test_the_file_chooser_shows_the_descriptions(folder):
    at = scenarios_page()
    chooser = at.selectbox(key="scenario_file")
    assert "small_b — Batch picking" in chooser.options
