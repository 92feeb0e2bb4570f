"""`python -m bench.suite --write-docs` replaces its own section of docs/performance.md, nothing else."""

from __future__ import annotations

from bench.suite.__main__ import BEGIN, END, write_docs


def test_the_suite_section_is_created_before_the_first_measurements_then_replaced(tmp_path):
    docs = tmp_path / "performance.md"
    docs.write_text("# Performance\n\nIntro.\n\n## Directory\n\nFigures.\n")

    write_docs("first run\n", docs)
    write_docs("second run\n", docs)

    text = docs.read_text()
    assert text == (f"# Performance\n\nIntro.\n\n## Suite\n\n{BEGIN}\nsecond run\n{END}\n\n## Directory\n\nFigures.\n")


def test_what_surrounds_the_markers_is_kept(tmp_path):
    docs = tmp_path / "performance.md"
    docs.write_text(f"# Performance\n\n## Suite\n\nHow to read it.\n\n{BEGIN}\nold\n{END}\n\nAfter.\n")

    write_docs("new\n", docs)

    assert docs.read_text() == f"# Performance\n\n## Suite\n\nHow to read it.\n\n{BEGIN}\nnew\n{END}\n\nAfter.\n"
