"""Every citation of the project's reference docs names a section that exists in ``docs/``.

Docstrings, comments and tests cite ``methods.md §2.3``, ``ssda903.md §3.1`` or
``dfe_statistics.md §2c`` (in ``docs/`` itself, as links: ``[methods.md](methods.md) §2.3``). Those files live in ``docs/`` (the project's own reference), so a
citation must name a heading there: ``§2.3`` resolves to a heading starting ``2.3`` (``### 2.3
...``), ``§2c`` to ``### 2c ...``, ``§4`` to ``## 4. ...``. A ``../shared/docs/`` prefix on the
file name is ignored, as the citation is resolved in ``docs/`` all the same. Ranges and lists
after one file name (``§2.1-2.2``, ``§3 and §6``, ``§1b/§2``, ``§6.2/6.3``) are checked section by
section.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CITED = ("methods", "ssda903", "dfe_statistics")
SCANNED = ("cpanalysis", "tests", "benchmarks", "notebooks", "docs")
SUFFIXES = {".py", ".md", ".ipynb", ".txt", ".cfg", ".toml", ".yml", ".yaml"}

#: ``methods.md`` (optionally in backquotes) followed by one or more section references.
CITATION = re.compile(
    r"(?P<doc>methods|ssda903|dfe_statistics)\.md\)?`{0,2}"
    r"(?P<refs>(?:\s*(?:,|and|/|-|–)?\s*§\s*[0-9]+[0-9a-z.]*(?:[-–/][0-9]+[0-9a-z.]*)*)+)"
)
SECTION = re.compile(r"§\s*([0-9]+[0-9a-z.]*(?:[-–/][0-9]+[0-9a-z.]*)*)")
#: A heading "## 2. Placement stability", "### 2.3 Time to ...", "### 2c. Leicestershire".
HEADING = re.compile(r"^#{2,4}\s+([0-9]+(?:\.[0-9]+)*[a-z]?)\.?\s", re.MULTILINE)


def _sections(doc: str) -> set[str]:
    return set(HEADING.findall((DOCS / f"{doc}.md").read_text(encoding="utf-8")))


def _expand(ref: str) -> list[str]:
    """``2.1-2.2`` -> ``[2.1, 2.2]``; ``6.2/6.3`` -> both; ``1b/§2`` handled by the caller."""
    ref = ref.rstrip(".")
    parts = re.split(r"[-–/]", ref)
    out = []
    for part in parts:
        part = part.rstrip(".")
        if part:
            out.append(part)
    return out


def _files() -> list[Path]:
    files = [ROOT / "README.md"]
    for folder in SCANNED:
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in SUFFIXES]
    return sorted(files)


def _citations() -> list[tuple[str, int, str, str]]:
    found = []
    for path in _files():
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in CITATION.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            for ref in SECTION.findall(match.group("refs")):
                for section in _expand(ref):
                    found.append((str(path.relative_to(ROOT)), line, match.group("doc"), section))
    return found


def test_the_reference_docs_exist() -> None:
    for doc in CITED:
        assert (DOCS / f"{doc}.md").is_file(), f"docs/{doc}.md is missing"


def test_the_scan_finds_citations() -> None:
    # a test that found nothing would pass with every citation broken
    cited = {(doc, section) for _, _, doc, section in _citations()}
    assert ("methods", "2.3") in cited
    assert ("ssda903", "3.1") in cited
    assert ("dfe_statistics", "2c") in cited
    assert len(cited) >= 30


def test_expand_ranges() -> None:
    assert _expand("2.1-2.2") == ["2.1", "2.2"]
    assert _expand("6.2/6.3") == ["6.2", "6.3"]
    assert _expand("3.") == ["3"]


def test_heading_numbers() -> None:
    text = "## 2. Placement stability\n### 2.3 Time to an ending\n### 2c. Leicestershire\n#### 1.2 x\n"
    assert HEADING.findall(text) == ["2", "2.3", "2c", "1.2"]


@pytest.mark.parametrize("doc", CITED)
def test_every_citation_names_an_existing_section(doc: str) -> None:
    sections = _sections(doc)
    missing = sorted(
        f"{path}:{line} cites {doc}.md §{section}"
        for path, line, cited_doc, section in _citations()
        if cited_doc == doc and section not in sections
    )
    assert not missing, f"sections not in docs/{doc}.md:\n" + "\n".join(missing)
