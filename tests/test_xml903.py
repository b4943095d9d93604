"""The SSDA903 XML return: read into the CSV tables, refused safely when malformed or hostile."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cpanalysis import ingest, schema, xml903
from cpanalysis.errors import InputFileError

GOOD = Path(__file__).parent / "fixtures" / "good"

#: Two children: 1 with every group, 2 UASC with nothing but a header and one episode.
RETURN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<EXPSSDA903>
  <CHILD>
    <HEADER>
      <CHILDID>1</CHILDID><UPN>A123456789012</UPN><SEX>f</SEX><DOB>01/06/2008</DOB><ETHNIC>WBRI</ETHNIC>
      <UASC>0</UASC>
      <IN_TOUCH>YES</IN_TOUCH><ACTIV>F2</ACTIV><ACCOM>S</ACCOM>
      <AMISSING><MISSING>M</MISSING><MIS_START>02/02/2025</MIS_START><MIS_END>03/02/2025</MIS_END></AMISSING>
      <AREVIEW><REVIEW>01/07/2024</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW>
      <AREVIEW><REVIEW>01/12/2024</REVIEW><REVIEW_CODE>PN0</REVIEW_CODE></AREVIEW>
      <MOTHER>0</MOTHER><MC_DOB/>
      <PERMANENCE><PREV_PERM>Z1</PREV_PERM><LA_PERM/><DATE_PERM/></PERMANENCE>
      <OC2><SDQ_SCORE>12</SDQ_SCORE><SDQ_REASON/><CONVICTED>0</CONVICTED><HEALTH_CHECK>1</HEALTH_CHECK></OC2>
      <SOCIAL_WORKER><SW_ID>SW1</SW_ID><SW_DECOM>01/05/2024</SW_DECOM><SW_REASON/></SOCIAL_WORKER>
    </HEADER>
    <EPISODE><DECOM>01/05/2024</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL><PLACE_PROVIDER>PR1</PLACE_PROVIDER></EPISODE>
    <EPISODE>
      <DECOM>01/09/2024</DECOM><RNE>P</RNE><LS>C2</LS><CIN>N1</CIN><PL>u5</PL><PL_POST>le1 1aa</PL_POST>
    </EPISODE>
  </CHILD>
  <CHILD>
    <HEADER><CHILDID>2</CHILDID><UPN>UN2</UPN><SEX>M</SEX><DOB>01/01/2009</DOB><ETHNIC>AOTH</ETHNIC><UASC>1</UASC><DUC>01/01/2027</DUC></HEADER>
    <EPISODE><DECOM>05/05/2024</DECOM><RNE>S</RNE><LS>V2</LS><CIN>N8</CIN><PL>R1</PL></EPISODE>
  </CHILD>
</EXPSSDA903>
"""


def _read(tmp_path: Path, text: str | bytes, name: str = "return.xml", require: tuple[str, ...] = ()) -> ingest.RawReturns:
    folder = tmp_path / "2024-25"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return ingest.read_returns(tmp_path, require=require)


def _rows(raw: ingest.RawReturns, table: str, columns: list[str]) -> list[list[object]]:
    return raw.tables[table][columns].values.tolist()


def test_xml_return_gives_the_csv_tables(tmp_path: Path) -> None:
    raw = _read(tmp_path, RETURN_XML, require=ingest.CORE_TABLES)
    assert _rows(raw, "header", list(schema.HEADER.columns) + ["source_row"]) == [
        ["1", "F", "01/06/2008", "WBRI", "A123456789012", "0", "", 3],
        ["2", "M", "01/01/2009", "AOTH", "UN2", "", "", 21],
    ]
    assert _rows(raw, "uasc", list(schema.UASC.columns)) == [["2", "M", "01/01/2009", "01/01/2027"]]
    assert _rows(raw, "episodes", ["CHILD", "DECOM", "PLACE", "PLACE_PROVIDER", "DEC", "PL_POST", "source_row"]) == [
        ["1", "01/05/2024", "U4", "PR1", "", "", 16],
        ["1", "01/09/2024", "U5", "", "", "LE1 1AA", 17],
        ["2", "05/05/2024", "R1", "", "", "", 23],
    ]
    assert _rows(raw, "reviews", list(schema.REVIEWS.columns)) == [
        ["1", "01/06/2008", "01/07/2024", "PN1"], ["1", "01/06/2008", "01/12/2024", "PN0"]]
    assert _rows(raw, "missing", list(schema.MISSING.columns)) == [["1", "01/06/2008", "M", "02/02/2025", "03/02/2025"]]
    assert _rows(raw, "oc3", list(schema.OC3.columns)) == [["1", "01/06/2008", "YES", "F2", "S"]]
    assert _rows(raw, "oc2", ["CHILD", "DOB", "SDQ_SCORE", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS"]) == [
        ["1", "01/06/2008", "12", "0", "1", ""]]
    assert _rows(raw, "previous_permanence", list(schema.PREVIOUS_PERMANENCE.columns)) == [["1", "01/06/2008", "Z1", "", ""]]
    # a group under another name is recognised by its fields
    assert _rows(raw, "sw_episodes", list(schema.SW_EPISODES.columns)) == [["1", "01/06/2008", "SW1", "01/05/2024", "", ""]]
    assert raw.tables["ad1"].empty and raw.tables["placed_for_adoption"].empty
    assert {f.table: f.rows_read for f in raw.files} == {
        "header": 2, "episodes": 3, "uasc": 1, "reviews": 2, "oc2": 1, "oc3": 1, "previous_permanence": 1,
        "missing": 1, "sw_episodes": 1}
    assert set(raw.tables["episodes"]["source_file"]) == {"2024-25/return.xml"}
    # lower-case codes are upper-cased as for CSV, with the same notes
    assert sorted(raw.issues["message"]) == [
        "PLACE: in 1 value(s) lower-case letters were upper-cased.",
        "PL_POST: in 1 value(s) lower-case letters were upper-cased.",
        "SEX: in 1 value(s) lower-case letters were upper-cased.",
    ]


def test_written_xml_reads_back_to_the_csv_tables(tmp_path: Path) -> None:
    csv = ingest.read_returns(GOOD / "2024-25")
    tables = {name: frame[list(schema.TABLES[name].columns)].to_dict("records") for name, frame in csv.tables.items()}
    xml903.write_xml_return(tables, tmp_path / "2024-25" / "ssda903.xml")
    xml = ingest.read_returns(tmp_path / "2024-25")
    for name, spec in schema.TABLES.items():
        ours = xml.tables[name][list(spec.columns)].sort_values(list(spec.columns)).reset_index(drop=True)
        theirs = csv.tables[name][list(spec.columns)].sort_values(list(spec.columns)).reset_index(drop=True)
        assert ours.equals(theirs), name


def test_minified_xml_numbers_records_in_order(tmp_path: Path) -> None:
    raw = _read(tmp_path, RETURN_XML.replace("\n", ""))
    assert raw.tables["episodes"]["source_row"].tolist() == [2, 3, 4]
    assert raw.tables["header"]["source_row"].tolist() == [2, 3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n<EXPSSDA903>&lol2;</EXPSSDA903>',
            "2024-25/return.xml: declares a DOCTYPE or entities (line 2), which are refused: they can expand to "
            "gigabytes or read other files (rule INGEST_XML).",
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "file:///etc/passwd">\n<EXPSSDA903/>',
            "2024-25/return.xml: declares a DOCTYPE or entities (line 2), which are refused: they can expand to "
            "gigabytes or read other files (rule INGEST_XML).",
        ),
        (
            "<EXPSSDA903>\n<CHILD><HEADER></CHILD>\n</EXPSSDA903>",
            "2024-25/return.xml: is not well-formed XML (mismatched tag at line 2, column 18) (rule INGEST_XML).",
        ),
        (
            "<Children><CHILD/></Children>",
            "2024-25/return.xml: is not an SSDA903 XML return (root element Children, expected EXPSSDA903) (rule INGEST_XML).",
        ),
        (
            RETURN_XML.replace("  <CHILD>\n    <HEADER><CHILDID>2", "<!--\n  <CHILD>\n    <HEADER><CHILDID>2").replace(
                "</EPISODE>\n  </CHILD>\n</EXP", "</EPISODE>\n  </CHILD>\n-->\n</EXP"),
            "2024-25/return.xml: the text holds 2 <CHILD> start tag(s) but 1 were read as records; the one on line 22 "
            "is inside a comment or CDATA section, so its rows would be lost (rule INGEST_LINES).",
        ),
    ],
    ids=["billion_laughs", "external_entity", "not_well_formed", "wrong_root", "commented_out_child"],
)
def test_bad_xml_is_refused_with_one_message(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputFileError) as caught:
        _read(tmp_path, text)
    expected = ("an SSDA903 XML return (root element EXPSSDA903, one CHILD per child) as exported for DfE, without a DOCTYPE."
                if "INGEST_XML" in message else "every <CHILD> outside comments, as exported.")
    assert str(caught.value) == f"{message} Expected {expected}"


def test_xml_returns_are_part_of_the_cache_key(tmp_path: Path) -> None:
    from cpanalysis.reports.loading import input_files

    _read(tmp_path, RETURN_XML)
    (tmp_path / "2024-25" / "notes.txt").write_text("not a return")
    assert list(input_files(tmp_path)) == ["2024-25/return.xml"]


def _dfe_python() -> Path | None:
    """DfE's validator (csc-validator-be-903, pandas<2) in its own venv, where ``make conformance``
    puts it (``.venv-dfe-validator``, or ``$CPANALYSIS_DFE_VENV``), or beside the repository."""
    root = Path(__file__).resolve().parents[1]
    for folder in (os.environ.get("CPANALYSIS_DFE_VENV"), root / ".venv-dfe-validator", root.parent / ".venv-dfe-validator"):
        if folder and (Path(folder) / "bin" / "python").exists():
            return Path(folder) / "bin" / "python"
    return None


DFE_PYTHON = _dfe_python()
_DFE_READ = """
import json, sys
from lac_validator.ingress import read_xml_from_text
tables = read_xml_from_text(open(sys.argv[1], encoding="utf-8").read())
json.dump({k: v.fillna("").astype(str).to_dict("records") for k, v in tables.items()}, sys.stdout)
"""


@pytest.mark.skipif(DFE_PYTHON is None, reason="DfE validator venv absent (make conformance creates it)")
def test_same_tables_as_dfe_validators_xml_reader(tmp_path: Path) -> None:
    """Side by side with DfE's own reader on XML as the package writes it (every element present).

    Two differences are DfE's: its reader makes a UASC row for every child whose UASC element is
    present, even ``0``; and an element left out of one episode takes the value another episode
    of the child has (it reads all of a child's fields into one dict), shown on RETURN_XML below.
    """
    import json
    import subprocess

    csv = ingest.read_returns(GOOD / "2024-25")
    tables = {name: frame[list(schema.TABLES[name].columns)].to_dict("records") for name, frame in csv.tables.items()}
    path = xml903.write_xml_return(tables, tmp_path / "2024-25" / "ssda903.xml")
    ours = ingest.read_returns(tmp_path / "2024-25")

    def dfe(path: Path) -> dict:
        done = subprocess.run([str(DFE_PYTHON), "-c", _DFE_READ, str(path)], capture_output=True, text=True,
                              timeout=300, check=True)
        return json.loads(done.stdout)

    theirs = dfe(path)
    names = {"Header": "header", "Episodes": "episodes", "Reviews": "reviews", "OC2": "oc2", "OC3": "oc3", "AD1": "ad1",
             "PlacedAdoption": "placed_for_adoption", "PrevPerm": "previous_permanence", "Missing": "missing", "UASC": "uasc"}
    for dfe_name, table in names.items():
        columns = list(schema.TABLES[table].columns)
        mine = [[v.upper() for v in row] for row in ours.tables[table][columns].values.tolist()]
        their_rows = [[row.get(c, "").upper() for c in columns] for row in theirs[dfe_name]]
        if table == "uasc":
            assert len(their_rows) == len(ours.tables["header"]) == 6  # every child, UASC or not
            assert mine == csv.tables["uasc"][columns].values.tolist() == []
        else:
            assert their_rows == mine, table
    # an element missing from the first episode: DfE's reader fills it from the second
    (tmp_path / "loose").mkdir()
    loose = _read(tmp_path / "loose", RETURN_XML)
    episodes = dfe(tmp_path / "loose" / "2024-25" / "return.xml")["Episodes"]
    assert [e["PL_POST"] for e in episodes] == ["LE1 1AA", "LE1 1AA", ""]
    assert loose.tables["episodes"]["PL_POST"].tolist() == ["", "LE1 1AA", ""]
