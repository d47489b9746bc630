"""The documentation says what the code does: README columns, generated scenario reference."""

from __future__ import annotations

import re
from pathlib import Path

from sim.eventlog import EVENTS, OUTCOMES, STATUSES, STEPS, column_names
from sim.schema_doc import schema_markdown

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_opens_with_the_two_setup_commands():
    block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert block is not None
    lines = [ln for ln in block.group(1).splitlines() if ln.strip()]
    assert len(lines) == 2
    assert lines[0].startswith("pip install -e . && omsim run scenarios/")
    assert lines[1] == 'pip install -e ".[test]" && python -m pytest'
    # and CI runs exactly that test command
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install -q -e ".[test]"' in ci and "\npython -m pytest\n" in ci


def test_readme_documents_every_event_log_column_and_enum():
    for table, cols in column_names().items():
        section = README[README.index(f"**`{table}.parquet`**") :]
        section = section[: section.index("\n\n")]
        for col in cols:
            assert f"`{col}`" in section, (table, col)
    for name in (*STATUSES, *STEPS, *OUTCOMES, *EVENTS):
        assert f"`{name}`" in README, name


def test_scenario_reference_is_generated_from_the_schema():
    doc = (ROOT / "docs" / "SCENARIO_REFERENCE.md").read_text()
    assert doc.strip() == schema_markdown().strip(), (
        "regenerate: omsim schema > docs/SCENARIO_REFERENCE.md"
    )


def test_readme_and_docs_do_not_link_outside_the_repository():
    # a fresh clone has no ../shared: every relative link must resolve inside the repository
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text()
        assert "../shared" not in text, doc.name
        for target in re.findall(r"\]\(([^)#\s]+)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (doc.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), (doc.name, target)
            assert resolved.exists(), (doc.name, target)
