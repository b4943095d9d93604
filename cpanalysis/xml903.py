"""The SSDA903 return as authorities submit it to DfE: one XML document per return.

Layout (DfE's "Expanded SSDA903 Return" schema; ``docs/returns.md``)::

    <EXPSSDA903>
      <CHILD>
        <HEADER>
          <CHILDID>..</CHILDID> <UPN/> <SEX/> <DOB/> <ETHNIC/> <UASC/> <DUC/>   header, UASC
          <DATE_INT/> <DATE_MATCH/> <FOSTER_CARE/> ... <LS_ADOPTR/>              AD1
          <IN_TOUCH/> <ACTIV/> <ACCOM/>                                         OC3
          <AMISSING>..</AMISSING>*  <AREVIEW>..</AREVIEW>*  <MOTHER/> <MC_DOB/>
          <PERMANENCE>..</PERMANENCE>  <OC2>..</OC2>  <AD_PLACED>..</AD_PLACED>*
        </HEADER>
        <EPISODE> <DECOM/> <RNE/> <LS/> <CIN/> <PL/> ... </EPISODE>*
      </CHILD>
    </EXPSSDA903>

Tag names are the CSV column names except ``CHILDID`` (``CHILD``) and ``PL`` (``PLACE``). Each
``CHILD`` gives one header row; a UASC row when its ``UASC`` flag is ``1`` or it has a ``DUC``;
an OC3 row when any OC3 element is present and an AD1 row when any AD1 element is; one row of
the group's table for each group element (``EPISODE``, ``AREVIEW``, ``AMISSING``, ``OC2``,
``PERMANENCE``, ``AD_PLACED``). A group element with another name is recognised by its fields
(a group holding ``SW_ID`` is a social-worker episode; the package writes ``SW_EPISODE``). Rows of
the sub-tables take ``CHILD`` and ``DOB`` (and UASC's ``SEX``) from the child's header, so the
tables come out exactly as the CSV return's.

Safety: the document is parsed with the standard library's expat parser and any ``DOCTYPE``
(so any entity declaration, the route of "billion laughs" and external-file attacks) is refused
before it is processed, as ``defusedxml`` does. Row accounting: ``source_row`` is the line of the
record's start tag, and the start tags of ``CHILD`` and ``EPISODE`` are also counted in the raw
text, so a comment or CDATA section that swallows records stops the read (rule ``INGEST_LINES``)
instead of losing them.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from cpanalysis import schema
from cpanalysis.errors import InputFileError

ROOT_TAG = "EXPSSDA903"
CHILD_TAG = "CHILD"
HEADER_TAG = "HEADER"
#: Group element -> table (DfE's 2021 schema; ``SW_EPISODE`` is the package's name, see above).
GROUP_TABLES = {
    "EPISODE": "episodes",
    "AREVIEW": "reviews",
    "AMISSING": "missing",
    "OC2": "oc2",
    "PERMANENCE": "previous_permanence",
    "AD_PLACED": "placed_for_adoption",
    "SW_EPISODE": "sw_episodes",
}
TABLE_GROUPS = {table: tag for tag, table in GROUP_TABLES.items()}
#: Column -> XML tag where they differ (the inverse of :data:`cpanalysis.schema.COLUMN_ALIASES`).
XML_TAGS = {column: tag for tag, column in schema.COLUMN_ALIASES.items()}
#: Header-level fields that make a child's row of a one-row table, by table.
HEADER_LEVEL = {
    "oc3": ("IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
}
#: Columns a sub-table row takes from its child's header.
FROM_HEADER = ("CHILD", "DOB", "SEX")
#: The order DfE's schema gives the header's own fields.
_HEADER_ORDER = ("CHILD", "UPN", "SEX", "DOB", "ETHNIC", "UASC", "DUC", *HEADER_LEVEL["ad1"], *HEADER_LEVEL["oc3"])
_EXPECTED = "an SSDA903 XML return (root element EXPSSDA903, one CHILD per child) as exported for DfE, without a DOCTYPE."


@dataclass
class Element:
    """One parsed element: tag, text, children and the line of its start tag."""

    tag: str
    line: int
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def leaves(self) -> dict[str, str]:
        """Direct children without children of their own, as {column: text} (XML aliases mapped)."""
        return {schema.normalise_header(c.tag): c.text.strip() for c in self.children if not c.children}


class _Refused(Exception):
    """Raised inside expat callbacks to stop at a DOCTYPE or entity declaration."""


def parse(name: str, data: bytes) -> Element:
    """Parse an XML document safely into :class:`Element` objects.

    Raises
    ------
    InputFileError
        Not well-formed, or declares a DOCTYPE or entities (rule ``INGEST_XML``).
    """
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Element] = []
    root: list[Element] = []

    def refuse(*_args: object) -> None:
        raise _Refused(parser.CurrentLineNumber)

    def start(tag: str, _attributes: dict) -> None:
        element = Element(tag, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(element)
        else:
            root.append(element)
        stack.append(element)

    def end(_tag: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text += data

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        raise InputFileError(
            name,
            f"declares a DOCTYPE or entities (line {refused.args[0]}), which are refused: they can expand "
            "to gigabytes or read other files (rule INGEST_XML).",
            _EXPECTED,
        ) from None
    except xml.parsers.expat.ExpatError as exc:
        raise InputFileError(
            name,
            f"is not well-formed XML ({xml.parsers.expat.ErrorString(exc.code)} at line {exc.lineno}, "
            f"column {exc.offset + 1}) (rule INGEST_XML).",
            _EXPECTED,
        ) from None
    return root[0]


def _group_table(element: Element) -> str | None:
    """Table of a group element: by tag, else by its fields (a social-worker episode has SW_ID)."""
    if element.tag.upper() in GROUP_TABLES:
        return GROUP_TABLES[element.tag.upper()]
    fields = set(element.leaves())
    for name, spec in schema.TABLES.items():
        own = set(spec.columns) - set(FROM_HEADER)
        if name != "header" and set(spec.required) - set(FROM_HEADER) <= fields and fields <= own:
            return name
    return None


def records(name: str, root: Element) -> tuple[dict[str, list[tuple[int, dict[str, str]]]], list[dict]]:
    """Rows of every table in a parsed return: {table: [(line, {column: text})]} and notes."""
    if root.tag != ROOT_TAG:
        raise InputFileError(name, f"is not an SSDA903 XML return (root element {root.tag}, expected {ROOT_TAG}) (rule INGEST_XML).", _EXPECTED)
    rows: dict[str, list[tuple[int, dict[str, str]]]] = {t: [] for t in schema.TABLES}
    ignored: dict[str, int] = {}
    for child in root.children:
        if child.tag != CHILD_TAG:
            ignored[child.tag] = ignored.get(child.tag, 0) + 1
            continue
        header_elements = [e for e in child.children if e.tag == HEADER_TAG]
        header = header_elements[0] if header_elements else Element(HEADER_TAG, child.line)
        fields = {**child.leaves(), **header.leaves()}
        present = {schema.normalise_header(e.tag) for e in header.children if not e.children}
        rows["header"].append((child.line, fields))
        if fields.get("UASC", "") == "1" or fields.get("DUC", ""):
            rows["uasc"].append((child.line, fields))
        for table, columns in HEADER_LEVEL.items():
            if present & set(columns):
                rows[table].append((child.line, fields))
        inherited = {c: fields.get(c, "") for c in FROM_HEADER}
        for group in (g for parent in (header, child) for g in parent.children if g.children and g.tag != HEADER_TAG):
            table = _group_table(group)
            if table is None:
                ignored[group.tag] = ignored.get(group.tag, 0) + 1
                continue
            rows[table].append((group.line, {**inherited, **group.leaves()}))
    notes = [
        {"file": name, "rule_id": "INGEST_COLUMNS", "severity": "info", "action": "kept",
         "message": f"{count} <{tag}> element(s) are not part of the SSDA903 return and were ignored."}
        for tag, count in sorted(ignored.items())
    ]
    return rows, notes


def _check_counts(name: str, data: bytes, root: Element) -> None:
    """Rule ``INGEST_LINES`` for XML: every CHILD and EPISODE start tag in the text is a record."""
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    text = data.decode(encoding, errors="replace")
    parsed = {CHILD_TAG: [c.line for c in root.children if c.tag == CHILD_TAG],
              "EPISODE": [e.line for c in root.children for e in c.children if e.tag == "EPISODE"]}
    for tag, lines in parsed.items():
        written = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(rf"<{tag}[\s/>]", text)]
        if len(written) != len(lines):
            missing = sorted(set(written) - set(lines)) or written
            raise InputFileError(
                name,
                f"the text holds {len(written)} <{tag}> start tag(s) but {len(lines)} were read as records; "
                f"the one on line {missing[0]} is inside a comment or CDATA section, so its rows would be lost "
                "(rule INGEST_LINES).",
                f"every <{tag}> outside comments, as exported.",
            )


def _numbered(rows: list[tuple[int, dict[str, str]]]) -> list[int]:
    """Source rows: the start-tag lines, or the records' order (2, 3, ...) when lines repeat.

    A return written on one line (no line breaks) would give every record line 1; numbering
    the records as a spreadsheet would keep (table, file, row) unique.
    """
    lines = [line for line, _ in rows]
    return lines if len(set(lines)) == len(lines) else list(range(2, len(rows) + 2))


def read_xml_file(relative: str, data: bytes, digest: str, info) -> tuple[list, list[tuple[str, pd.DataFrame]], list[dict]]:
    """Every table of one XML return file, in the shape :mod:`cpanalysis.ingest` reads a file.

    Parameters
    ----------
    relative : str
        The file's path relative to the returns folder (for messages and ``source_file``).
    data : bytes
        The file's content.
    digest : str
        Its SHA-256.
    info : cpanalysis.ingest.ReturnInfo
        The return it belongs to.

    Returns
    -------
    files, tables, notes
        One :class:`cpanalysis.ingest.SourceFile` per table with rows (header always), the raw
        text tables and ingest notes.
    """
    from cpanalysis import ingest

    root = parse(relative, data)
    table_rows, notes = records(relative, root)
    _check_counts(relative, data, root)
    files, tables = [], []
    for table, rows in table_rows.items():
        if not rows and table != "header":
            continue
        spec = schema.TABLES[table]
        frame = pd.DataFrame({c: [values.get(c, "") for _, values in rows] for c in spec.columns},
                             columns=list(spec.columns), dtype=object)
        notes.extend(ingest._tidy_values(frame, spec, relative))
        frame["source_file"] = ingest._repeated(relative, frame.index)
        frame["source_row"] = np.array(_numbered(rows), dtype="int64")
        files.append(ingest.SourceFile(relative, digest, table, len(frame), info.label, None))
        tables.append((table, frame))
    return files, tables, notes


# ---------------------------------------------------------------------------------------------
# Writing (the demo's --format xml, tests)
# ---------------------------------------------------------------------------------------------
def _leaf(column: str, value: str) -> str:
    tag = XML_TAGS.get(column, column)
    return f"<{tag}>{escape(value)}</{tag}>" if value else f"<{tag}/>"


def _group(table: str, row: dict[str, str]) -> str:
    columns = [c for c in schema.TABLES[table].columns if c not in FROM_HEADER]
    return f"<{TABLE_GROUPS[table]}>" + "".join(_leaf(c, row.get(c, "")) for c in columns) + f"</{TABLE_GROUPS[table]}>"


def xml_return(tables: dict[str, Iterable[dict[str, str]]]) -> str:
    """The DfE XML of one return from its tables' rows (each row a {column: text} dict).

    Children appear in the order of the header table; every row of another table must belong to
    a child of the header (the XML has nowhere else to put it).

    Raises
    ------
    ValueError
        A row's child is not in the header table.
    """
    header = list(tables.get("header", []))
    by_child: dict[str, dict[str, list[dict[str, str]]]] = {row["CHILD"]: {} for row in header}
    for table, rows in tables.items():
        if table == "header":
            continue
        for row in rows:
            if row["CHILD"] not in by_child:
                raise ValueError(f"child {row['CHILD']!r} of the {table} table is not in the header table")
            by_child[row["CHILD"]].setdefault(table, []).append(row)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<{ROOT_TAG}>"]
    for row in header:
        own = by_child[row["CHILD"]]
        uasc = own.get("uasc", [])
        fields = {**row, "UASC": "1" if uasc else "0", "DUC": uasc[0]["DUC"] if uasc else ""}
        for table in HEADER_LEVEL:
            if own.get(table):
                fields.update({c: own[table][0].get(c, "") for c in HEADER_LEVEL[table]})
        parts = [_leaf(c, fields.get(c, "")) for c in _HEADER_ORDER
                 if c in ("CHILD", "UPN", "SEX", "DOB", "ETHNIC", "UASC") or (c == "DUC" and uasc)
                 or any(c in HEADER_LEVEL[t] and own.get(t) for t in HEADER_LEVEL)]
        for table in ("missing", "reviews"):
            parts += [_group(table, r) for r in own.get(table, [])]
        parts += [_leaf("MOTHER", row.get("MOTHER", "")), _leaf("MC_DOB", row.get("MC_DOB", ""))]
        for table in ("previous_permanence", "oc2", "placed_for_adoption", "sw_episodes"):
            parts += [_group(table, r) for r in own.get(table, [])]
        lines.append(f"<{CHILD_TAG}>")
        lines.append(f"<{HEADER_TAG}>" + "".join(parts) + f"</{HEADER_TAG}>")
        lines += [_group("episodes", r) for r in own.get("episodes", [])]
        lines.append(f"</{CHILD_TAG}>")
    lines.append(f"</{ROOT_TAG}>")
    return "\n".join(lines) + "\n"


def write_xml_return(tables: dict[str, Iterable[dict[str, str]]], path: str | Path) -> Path:
    """Write :func:`xml_return` to ``path`` (UTF-8)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(xml_return(tables), encoding="utf-8")
    return path
