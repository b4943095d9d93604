"""Property tests: whatever the files hold, reading and validating either works or stops with
one of the package's documented errors, and rows read = rows kept + rows quarantined."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpanalysis import codes
from cpanalysis.commands.validate import run_validation
from cpanalysis.errors import CpanalysisError

GOOD_RETURN = Path(__file__).parent / "fixtures" / "good" / "2024-25"
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Every code of every list, plus values a careless export produces.
CODE_POOL = sorted({c for codelist in codes.CODE_LISTS.values() for c in codelist.codes}) + [
    "", " ", "x1", "N/A", "1.0", "0.0", "E99", "Q1", "#REF!", "null", "é", "1,2", '"', "\n",
]


#: The tables mutated (the rest of the return adds run time but no new paths through the code).
MUTATED_FILES = ("header.csv", "episodes.csv", "oc2.csv", "oc3.csv", "missing.csv", "ad1.csv")


def _load() -> dict[str, tuple[list[str], list[list[str]]]]:
    tables = {}
    for path in (GOOD_RETURN / name for name in MUTATED_FILES):
        rows = list(csv.reader(io.StringIO(path.read_text())))
        tables[path.name] = (rows[0], rows[1:])
    return tables


GOOD = _load()


def _write(folder: Path, tables: dict[str, tuple[list[str], list[list[str]]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in tables.items():
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)


def _check(root: Path) -> None:
    """The invariant: the whole read/clean/validate/quarantine path only raises our errors."""
    try:
        result = run_validation(root)
    except CpanalysisError as exc:
        assert str(exc)  # a message, not an empty error
        return
    counts = result.counts
    assert (counts["rows_read"] == counts["rows_kept"] + counts["rows_quarantined"]).all()
    assert counts["rows_read"].sum() == sum(f.rows_read for f in result.raw.files)
    assert set(result.issues["severity"].dropna()) <= {"error", "warning", "info"}


def _shift(value: str, days: int, style: int) -> str:
    try:
        date = dt.datetime.strptime(value, "%d/%m/%Y").date() + dt.timedelta(days=days)
    except ValueError:
        return value
    if style == 0:
        return date.strftime("%d/%m/%Y")
    if style == 1:
        return date.isoformat()
    if style == 2:
        return str((date - dt.date(1899, 12, 30)).days)
    return date.strftime("%m/%d/%y")


@st.composite
def mutated_return(draw) -> dict[str, tuple[list[str], list[list[str]]]]:
    tables = {name: (list(header), [list(r) for r in rows]) for name, (header, rows) in GOOD.items()}
    names = sorted(tables)
    for _ in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(names))
        header, rows = tables[name]
        op = draw(st.sampled_from(["blank", "code", "date", "text", "duplicate", "drop", "reorder", "lower"]))
        if op == "reorder":
            order = draw(st.permutations(range(len(header))))
            tables[name] = ([header[i] for i in order], [[r[i] for i in order] for r in rows])
            continue
        if not rows:
            continue
        i = draw(st.integers(0, len(rows) - 1))
        j = draw(st.integers(0, len(header) - 1))
        if op == "blank":
            rows[i][j] = ""
        elif op == "code":
            rows[i][j] = draw(st.sampled_from(CODE_POOL))
        elif op == "date":
            rows[i][j] = _shift(rows[i][j], draw(st.integers(-6000, 6000)), draw(st.integers(0, 3)))
        elif op == "text":
            rows[i][j] = draw(st.text(max_size=12))
        elif op == "duplicate":
            rows.insert(i, list(rows[i]))
        elif op == "drop":
            rows.pop(i)
        elif op == "lower":
            rows[i][j] = rows[i][j].lower()
    return tables


@SETTINGS
@given(tables=mutated_return())
def test_mutated_returns_only_raise_documented_errors(tables) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _write(Path(tmp) / "2024-25", tables)
        _check(Path(tmp))


@SETTINGS
@given(
    data=st.one_of(
        st.binary(max_size=600),
        # the bytes after a real header line reach the row parser
        st.binary(max_size=400).map(lambda b: b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n" + b),
        st.text(max_size=300).map(lambda t: ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,"
                                               "REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n" + t).encode("utf-8")),
    ),
    suffix=st.sampled_from([".csv", ".xlsx", ".CSV"]),
)
def test_random_bytes_only_raise_documented_errors(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "2024-25"
        _write(folder, {"header.csv": GOOD["header.csv"], "episodes.csv": GOOD["episodes.csv"]})
        (folder / f"random{suffix}").write_bytes(data)
        _check(Path(tmp))


@SETTINGS
@given(data=st.data())
def test_a_stray_quote_never_swallows_rows_silently(data: st.DataObject) -> None:
    """A ``"`` put at the start of any line but the last stops the read naming that line."""
    from cpanalysis.errors import InputFileError

    lines = (GOOD_RETURN / "episodes.csv").read_text().splitlines()
    number = data.draw(st.integers(min_value=2, max_value=len(lines) - 1), label="line")
    lines[number - 1] = '"' + lines[number - 1]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "2024-25"
        folder.mkdir()
        for name in ("header.csv", "oc2.csv"):
            (folder / name).write_text((GOOD_RETURN / name).read_text())
        (folder / "episodes.csv").write_text("\n".join(lines) + "\n")
        try:
            run_validation(Path(tmp))
        except InputFileError as exc:
            # the quote is never closed: it runs to the last line of the file
            assert str(exc).startswith(
                f"2024-25/episodes.csv: line {number} (column 1) opens a quoted cell that runs on for "
                f"{len(lines) - number} more line(s), to line {len(lines)},")
            assert "(rule INGEST_LINES)" in str(exc)
        else:
            raise AssertionError(f"a stray quote on line {number} was read without an error")
