"""Self-contained HTML: executed notebooks without code, and the index page of a run.

Readers of a report pack (board members, scrutiny panels) see the narrative, the tables and the
charts, never code. Each page is one file with no external resource: charts are PNG data URIs,
the style sheet is inline and there is no JavaScript, so a page opens offline, from an e-mail
attachment or a locked-down intranet, and the browser logs nothing. nbconvert's ``basic``
template gives the cell HTML; this module wraps it in the house page.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd
from nbconvert import HTMLExporter

#: House style sheet shared by every page (GOV.UK-like type, readable tables, no web fonts).
CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; margin: 0; background: #fff; }
main { max-width: 980px; margin: 0 auto; padding: 24px 32px 48px; line-height: 1.45; }
header.banner { background: #12436D; color: #fff; padding: 10px 32px; font-size: 14px; }
header.banner a { color: #fff; }
h1 { font-size: 30px; margin: 12px 0 16px; } h2 { font-size: 22px; margin-top: 32px; }
h3 { font-size: 18px; } a { color: #1d70b8; }
a.anchor-link { display: none; }
img { max-width: 100%; height: auto; display: block; margin: 12px 0; }
table { border-collapse: collapse; margin: 12px 0; font-size: 14px; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
td.num, .dataframe td { text-align: right; }
pre { background: #f3f2f1; padding: 8px; overflow-x: auto; white-space: pre-wrap; }
.output_stdout pre, .output_text pre { background: none; padding: 0; }
.notice { border-left: 6px solid #F46A25; background: #fdf0e9; padding: 10px 16px; margin: 16px 0; }
.ok { color: #28A197; font-weight: bold; } .failed { color: #801650; font-weight: bold; }
.small { font-size: 13px; color: #505a5f; }
@media print {
  header.banner { display: none; }
  main { max-width: none; padding: 0; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  img, table, tr, .scorecard-tiles > div { break-inside: avoid; page-break-inside: avoid; }
}
"""

PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header class="banner">{banner}</header>
<main>
{body}
</main>
</body>
</html>
"""


#: Elements a report page may hold: what nbconvert, pandas and Markdown produce. Anything else in
#: a notebook's output (``<script>``, ``<iframe>``, ``<object>``, a form) is shown as text.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol",
    "p", "pre", "small", "span", "strong", "style", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul",
})
#: Attributes kept on any element (never an event handler such as ``onerror``).
_PLAIN_ATTRIBUTES = frozenset({"class", "id", "title", "alt", "colspan", "rowspan", "border", "align",
                               "style", "type", "width", "height"})


#: CSS properties a ``style`` attribute may keep: bleach's default list (colours, fonts, text
#: alignment) and the layout of the scorecard tiles (a grid, a coloured left border, spacing).
#: Nothing that takes a ``url()`` (``background``, ``border-image``, ``content``) is allowed, so a
#: page never fetches anything.
ALLOWED_CSS_PROPERTIES = frozenset({
    "border-left", "break-inside", "gap", "grid-template-columns", "margin", "margin-top", "padding",
    "page-break-inside",
})


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in _PLAIN_ATTRIBUTES:
        return True
    if tag == "img" and name == "src":  # charts are embedded PNG data; nothing is fetched
        return value.startswith("data:image/")
    if tag == "a" and name == "href":  # in-page anchors, the pack's own files and web pages only
        target = value.strip().lower()
        scheme = target.split("/", 1)[0]
        return target.startswith(("#", "http://", "https://", "mailto:")) or ":" not in scheme
    return False


def sanitise(body: str) -> str:
    """``body`` with nothing a browser would run: the last line of defence for report pages.

    Text from the data or the parameters is escaped where it is written; this pass guarantees
    that whatever slipped through (a folder name quoted in a Markdown sentence) cannot act: tags
    outside :data:`ALLOWED_TAGS` are shown as text, event-handler attributes and ``javascript:``
    links are dropped, images must be embedded ``data:image/`` URIs and styles are filtered by
    bleach's CSS sanitiser.
    """
    import bleach
    from bleach.css_sanitizer import ALLOWED_CSS_PROPERTIES as BLEACH_CSS
    from bleach.css_sanitizer import CSSSanitizer

    css = CSSSanitizer(allowed_css_properties=BLEACH_CSS | ALLOWED_CSS_PROPERTIES)
    return bleach.clean(body, tags=ALLOWED_TAGS, attributes=_allowed_attribute,
                        protocols={"http", "https", "mailto", "data"}, strip=False, strip_comments=True,
                        css_sanitizer=css)


_STYLER_ID = re.compile(r"T_([0-9a-f]{5})(?![0-9a-f])")
_CELL_ID = re.compile(r'id="cell-id=([^"]+)"')


def stable_ids(body: str) -> str:
    """Random element ids replaced by ids in order of appearance, so a rerun gives the same bytes.

    pandas' Styler names each table ``T_`` and five random hex digits (its ``<style>`` rules use
    the same id), and papermill's injected cell gets a random cell id.
    """
    body = stable_styler_ids(body, {})
    cells: dict[str, str] = {}
    return _CELL_ID.sub(lambda m: f'id="cell-id={cells.setdefault(m.group(1), str(len(cells) + 1))}"', body)


def stable_styler_ids(text: str, seen: dict[str, str]) -> str:
    """pandas Styler's random table ids (``T_`` and five hex digits) as ``T_t1``, ``T_t2`` ...

    Parameters
    ----------
    text : str
        HTML holding Styler tables.
    seen : dict of str to str
        Random id -> stable id so far; pass the same dict for every piece of one document (the
        outputs of one notebook), so that two tables never share an id.
    """
    return _STYLER_ID.sub(lambda m: seen.setdefault(m.group(1), f"T_t{len(seen) + 1}"), text)


def page(title: str, body: str, banner: str = "") -> str:
    """A complete house-style HTML page around ``body`` (already HTML)."""
    return PAGE.format(title=html.escape(title), css=CSS, banner=banner, body=body)


def notebook_title(nb: nbformat.NotebookNode, default: str = "") -> str:
    """The first markdown heading of a notebook (its report title)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return default


def _reader_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what a reader must not see: warnings on stderr and raw tracebacks."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.get("outputs", [])
                if not (o.output_type == "stream" and o.get("name") == "stderr") and o.output_type != "error"
            ]
    return nb


#: One exporter per thread (the runner writes pages from its notebook threads): a new
#: HTMLExporter compiles its six Jinja templates again, about 0.1 s of CPU per page.
_EXPORTERS = threading.local()


def _exporter() -> HTMLExporter:
    """This thread's exporter of the cell HTML (nbconvert's ``basic`` template, no code, no prompts)."""
    exporter = getattr(_EXPORTERS, "exporter", None)
    if exporter is None:
        exporter = _EXPORTERS.exporter = HTMLExporter(template_name="basic", exclude_input=True,
                                                      exclude_input_prompt=True, exclude_output_prompt=True)
    return exporter


def notebook_to_html(executed: str | Path, out: str | Path, *, banner: str = "",
                     failure: str = "") -> Path:
    """Write an executed notebook as a self-contained HTML page without code cells.

    Parameters
    ----------
    executed : path
        The executed notebook (papermill output).
    out : path
        HTML file to write.
    banner : str; default ""
        HTML for the top banner (e.g. a link back to the index).
    failure : str; default ""
        Plain-text description of a failed run, shown in a notice at the top instead of the
        traceback (tracebacks can quote data and are meant for the analyst's log, not readers).

    Returns
    -------
    Path
        ``out``.
    """
    nb = nbformat.read(executed, as_version=4)
    body, _ = _exporter().from_notebook_node(_reader_outputs(nb))
    body = stable_ids(sanitise(body))
    if failure:
        body = (f'<div class="notice"><strong>This report did not finish.</strong> '
                f"{html.escape(failure)}. What follows stops at that point.</div>\n{body}")
    title = notebook_title(nb, Path(executed).stem)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page(title, body, banner), encoding="utf-8")
    return out


@dataclass(frozen=True)
class IndexEntry:
    """One report on the index page."""

    title: str
    href: str
    ok: bool
    note: str = ""


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in r) + "</tr>"
        for r in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def write_index(out: str | Path, *, title: str, intro: str, entries: Sequence[IndexEntry],
                downloads: Sequence[tuple[str, str]], changes: pd.DataFrame | None = None,
                changes_note: str = "", footer: str = "", national_source: str = "",
                missing_comparisons: Sequence[str] = ()) -> Path:
    """Write the run's ``index.html``: every report, what changed since the previous run, downloads.

    Parameters
    ----------
    out : path
    title, intro : str
        Page heading and a plain-text paragraph under it.
    entries : sequence of IndexEntry
        Reports in reading order.
    downloads : sequence of (label, href)
    changes : DataFrame, optional
        Quarter-on-quarter table (already worded for readers), shown when given.
    changes_note : str
        Sentence shown when there is no previous quarter to compare with.
    footer : str
        Plain text at the bottom (package version, run time, audience).
    national_source : str
        Where the national figures come from (:func:`cpanalysis.dfe.snapshot.source_line`).
    missing_comparisons : sequence of str
        The comparisons the pack cannot make, one sentence per reason
        (:func:`cpanalysis.reports.national_comparison.missing_comparisons`), listed once here.

    Returns
    -------
    Path
    """
    items = "\n".join(
        f'<li><a href="{html.escape(e.href)}">{html.escape(e.title)}</a> '
        f'<span class="{"ok" if e.ok else "failed"}">{"" if e.ok else "did not finish"}</span>'
        + (f'<br><span class="small">{html.escape(e.note)}</span>' if e.note else "") + "</li>"
        for e in entries
    )
    parts = [f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(intro)}</p>",
             "<h2>Reports</h2>", f"<ol>{items}</ol>"]
    if national_source or missing_comparisons:
        parts.append("<h2>Comparisons with England, the region and statistical neighbours</h2>")
        parts.append(f"<p>{html.escape(national_source)}</p>" if national_source else "")
        if missing_comparisons:
            missing = "".join(f"<li>{html.escape(line)}</li>" for line in missing_comparisons)
            parts.append(f"<p>Comparisons that cannot be made:</p><ul>{missing}</ul>")
        else:
            parts.append("<p>Every comparison could be made.</p>")
    parts.append("<h2>What changed since the previous run</h2>")
    if changes is not None and not changes.empty:
        parts.append(_table(changes))
    parts.append(f'<p class="small">{html.escape(changes_note)}</p>' if changes_note else "")
    links = "".join(f'<li><a href="{html.escape(h)}">{html.escape(label)}</a></li>' for label, h in downloads)
    parts += ["<h2>Downloads</h2>", f"<ul>{links}</ul>", f'<p class="small">{html.escape(footer)}</p>']
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page(title, "\n".join(parts), banner="Corporate parenting evidence pack"), encoding="utf-8")
    return out
