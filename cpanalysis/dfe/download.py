"""``cpanalysis dfe download``: fetch the national files with a small standard-library HTTP client.

Each data set the package reads is in :data:`REGISTRY` with the file name the loaders expect and
the places it can be fetched from, tried in order (``docs/dfe_statistics.md`` §4b):

1. the Explore Education Statistics **data catalogue** CSV download
   (``/data-catalogue/data-set/{file id}/csv``; ids belong to one release, so they are pinned);
2. the EES **public API**: the publication's API data sets are listed
   (``/publications/{id}/data-sets``), the one whose title matches is downloaded whole
   (``/data-sets/{id}/csv``, gzip-encoded);
3. a **pinned GitHub copy** in ``dfe-analytical-services`` repositories (the same files the
   reference folder ``../shared/dfe`` was copied from, at fixed commits).

Transient failures (no connection, time-outs, HTTP 429/5xx) are retried with exponential
backoff; a 404 or a response that is not the expected kind of file (an HTML error page) moves
on to the next source. Files are written atomically into the same folder layout as
``../shared/dfe`` and listed in ``manifest.json`` with their SHA-256 checksums. When nothing can
be reached the error says exactly which file to fetch from where by hand.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cpanalysis import __version__
from cpanalysis.dfe.folders import DEFAULT_OUT
from cpanalysis.errors import DownloadError, ParameterError

#: Publication "Children looked after in England including adoptions" (EES).
CLA_PUBLICATION = "3260801d-601a-48c6-93b7-cf51680323d1"
_CSC = "dfe-analytical-services/CSC_outcomes_and_enablers"
_CSC_2025 = "2f5d11a431050523dab58810083259d3313029ae"
_CSC_2024 = "1329930840af1494de032849c2f07a5d58e08f61"
_LAIT = "dfe-analytical-services/local-authority-interactive-tool"
_LAIT_LATEST = "2e30e3959a6ab8b2d22941b84764da41a40ac91b"
_LAIT_2025_04 = "3dd3739550dec1d71adc987b3d4dac03678d8bda"


@dataclass(frozen=True)
class Endpoints:
    """Base addresses (replace them to use a mirror, or a local server in tests)."""

    catalogue: str = "https://explore-education-statistics.service.gov.uk"
    api: str = "https://api.education.gov.uk/statistics/v1"
    github: str = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class Source:
    """One place a data set can come from: ``kind`` is catalogue, api or github."""

    kind: str
    ref: str
    title: str = ""  # for ``api``: words the API data set's title must contain

    def url(self, endpoints: Endpoints) -> str:
        """The address to fetch (for ``api``, the publication's data-set list)."""
        if self.kind == "catalogue":
            return f"{endpoints.catalogue}/data-catalogue/data-set/{self.ref}/csv"
        if self.kind == "api":
            return f"{endpoints.api}/publications/{self.ref}/data-sets?page=1&pageSize=100"
        if self.kind == "github":
            return f"{endpoints.github}/{self.ref}"
        raise ParameterError(f"unknown source kind {self.kind!r}")


@dataclass(frozen=True)
class DataSet:
    """A file the package reads, where it goes and where it comes from."""

    key: str
    path: str  # relative to the output folder, same layout as ../shared/dfe
    description: str
    sources: tuple[Source, ...] = field(default=())

    @property
    def filename(self) -> str:
        """The file name the loaders look for."""
        return Path(self.path).name


def _gh(repo: str, commit: str, path: str) -> Source:
    return Source("github", f"{repo}/{commit}/{path}")


def _ees(key: str, name: str, description: str, catalogue: str = "", title: str = "",
         folder: str = "csc_outcomes_and_enablers/2021_2025", commit: str = _CSC_2025) -> DataSet:
    sources: list[Source] = []
    if catalogue:
        sources.append(Source("catalogue", catalogue))
    if title:
        sources.append(Source("api", CLA_PUBLICATION, title))
    sources.append(_gh(_CSC, commit, f"data-raw/{name}"))
    return DataSet(key, f"{folder}/{name}", description, tuple(sources))


#: Every national file the package can use.
REGISTRY: tuple[DataSet, ...] = (
    _ees("numbers", "cla_number_and_rate_per_10k_children.csv", "CLA on 31 March, starts, ceased: numbers and rates",
         title="number and rate"),
    _ees("stability", "la_cla_placement_stability.csv", "Placement stability by local authority",
         title="placement stability"),
    _ees("health", "la_conviction_health_outcome_cla.csv", "12-month cohort: health, SDQ, substance misuse, convictions",
         catalogue="3b90f444-beab-46ee-a815-5177852ff3fd", title="conviction and health outcomes"),
    _ees("leavers_activity", "la_care_leavers_activity.csv", "Care leavers 17-18 and 19-21: activity",
         title="care leavers activity"),
    _ees("leavers_accommodation", "la_care_leavers_accommodation_suitability.csv",
         "Care leavers 17-18 and 19-21: suitability of accommodation", title="accommodation suitability"),
    _ees("new_placements", "la_cla_during_year_new_placements.csv", "New placements by distance; placement changes by reason",
         title="new placements"),
    _ees("school_moves", "la_cla_school_moves.csv", "School stability (not yet mapped)"),
    _ees("social_workers", "la_cla_swcount.csv", "Social worker stability, 2024 (not yet mapped)"),
    _ees("neighbours_2025", "sn_model_2025_wide.csv", "Statistical neighbours, 2025 model"),
    _ees("neighbours_2021", "New_Statistical_Neighbour_Groupings_April_2021.csv", "Statistical neighbours, 2021 model"),
    _ees("numbers_2024", "cla_number_and_rate_per_10k_children.csv", "2024 release (adds 2020)",
         folder="csc_outcomes_and_enablers/2020_2024", commit=_CSC_2024),
    _ees("stability_2024", "la_cla_placement_stability.csv", "2024 release (adds 2020)",
         folder="csc_outcomes_and_enablers/2020_2024", commit=_CSC_2024),
    _ees("health_2024", "la_conviction_health_outcome_cla.csv", "2024 release (adds 2020)",
         catalogue="27bcdcda-9877-42c7-b67b-61b23df4b10c", folder="csc_outcomes_and_enablers/2020_2024",
         commit=_CSC_2024),
    _ees("ks2", "ks2_la.csv", "Key stage 2 attainment of children looked after (Outcomes for CIN)",
         folder="outcomes_for_cin"),
    _ees("ks4", "ks4_la.csv", "Key stage 4 attainment of children looked after (Outcomes for CIN)",
         folder="outcomes_for_cin"),
    DataSet("lait", "lait/latest/bds_long_0.parquet", "LAIT data store (2016-2025 headline series)",
            (_gh(_LAIT, _LAIT_LATEST, "01_data/02_prod/bds_long_0.parquet"),)),
    DataSet("lait_2015", "lait/2025_04/bds_long_0.parquet", "LAIT data store of April 2025 (adds 2015)",
            (_gh(_LAIT, _LAIT_2025_04, "01_data/02_prod/bds_long_0.parquet"),)),
    DataSet("lait_codes", "lait/latest/la_code_list.xlsx", "LAIT list of LA codes",
            (_gh(_LAIT, _LAIT_LATEST, "01_data/02_prod/la_code_list.xlsx"),)),
)
NOT_DOWNLOADABLE = (
    "derived_cla_31_march_placement_type_and_distance_2021_2025.csv (placed more than 20 miles / distance not "
    "known on 31 March): exported by hand from data/placement_data.rds in "
    f"github.com/{_CSC} at {_CSC_2025}; without it those two indicators come only from the 903."
)

_RETRY_STATUS = {408, 429, 500, 502, 503, 504}


class _Transient(Exception):
    """A failure worth retrying."""


class _WrongContent(Exception):
    """The server answered, but not with the file (404, an HTML page...)."""


def _looks_right(data: bytes, path: str) -> bool:
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return data[:4] == b"PAR1"
    if suffix == ".xlsx":
        return data[:2] == b"PK"
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lower()
    return bool(head) and not head.lstrip().startswith((b"<", b"{")) and b"," in head.split(b"\n", 1)[0]


def _get(url: str, timeout: float, accept: str = "*/*") -> bytes:
    request = urllib.request.Request(
        url, headers={"User-Agent": f"cpanalysis/{__version__}", "Accept": accept, "Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
            data = response.read()
            encoding = response.headers.get("Content-Encoding", "")
    except urllib.error.HTTPError as exc:
        if exc.code in _RETRY_STATUS:
            raise _Transient(f"HTTP {exc.code}") from None
        raise _WrongContent(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise _Transient(str(getattr(exc, "reason", exc))) from None
    if encoding == "gzip" or data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def fetch(url: str, retries: int = 3, backoff: float = 1.0, timeout: float = 60,
          sleep: Callable[[float], None] = time.sleep, accept: str = "*/*") -> bytes:
    """GET ``url`` with retries: waits ``backoff``, ``2*backoff``, ``4*backoff`` ... between attempts.

    Raises
    ------
    _Transient
        Still failing after ``retries`` retries (no connection, time-out, HTTP 429/5xx).
    _WrongContent
        HTTP 404 or another client error (not retried).
    """
    if not url.startswith(("http://", "https://")):
        raise ParameterError(f"only http(s) addresses can be downloaded; got {url!r}")
    for attempt in range(retries + 1):
        try:
            return _get(url, timeout, accept)
        except _Transient:
            if attempt == retries:
                raise
            sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _api_data_set_url(source: Source, endpoints: Endpoints, **kw) -> str:
    listing = json.loads(fetch(source.url(endpoints), accept="application/json", **kw))
    words = source.title.lower().split()
    for item in listing.get("results", []):
        title = str(item.get("title", "")).lower()
        if all(w in title for w in words) and "local authority" in title:
            return f"{endpoints.api}/data-sets/{urllib.parse.quote(str(item['id']))}/csv"
    raise _WrongContent(f"no API data set titled like {source.title!r} in publication {source.ref}")


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks (the downloads' and the snapshot's manifests)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manual_instructions(data_sets: Iterable[DataSet], out: Path, endpoints: Endpoints | None = None) -> str:
    """Where to get each file by hand and where to save it."""
    endpoints = endpoints or Endpoints()
    lines = []
    for ds in data_sets:
        urls = [s.url(endpoints) if s.kind != "api" else
                f"{endpoints.catalogue}/find-statistics/children-looked-after-in-england-including-adoptions "
                f"('Download all data', file {ds.filename})" for s in ds.sources]
        lines.append(f"  - save {out / ds.path}\n      from " + "\n      or ".join(urls))
    return "\n".join(lines)


def download(
    out: str | Path = DEFAULT_OUT,
    keys: Iterable[str] | None = None,
    endpoints: Endpoints | None = None,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 60,
    force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """Download the registered national files into ``out`` and write ``manifest.json``.

    Parameters
    ----------
    out : path; default data/raw/dfe
        Output folder (created); files keep the ``../shared/dfe`` layout.
    keys : iterable of str or None; default None
        Registry keys to fetch (:data:`REGISTRY`); None fetches all.
    endpoints : Endpoints or None; default None
        Base addresses (a mirror, or a local server in tests).
    retries, backoff, timeout : int, float, float; default 3, 1.0, 60
        Retries per address with waits of backoff, 2 x backoff, ...; seconds per request.
    force : bool; default False
        Download again even when a file whose checksum matches the manifest is present.
    sleep, log : callables
        Injected waiting and progress reporting (tests make waiting instant).

    Returns
    -------
    dict
        The manifest: ``created``, ``package_version``, ``files`` (key, path, url, source, sha256,
        bytes, downloaded) and ``not_downloadable``.

    Raises
    ------
    ParameterError
        An unknown key.
    DownloadError
        Some files could not be fetched from any source (those that were are kept and listed in
        the manifest); the message says how to get the rest by hand. Raised at once, without
        trying every file, when the first file finds no connection at all.
    """
    endpoints = endpoints or Endpoints()
    out = Path(out)
    wanted = list(REGISTRY) if keys is None else _select(keys)
    manifest_path = out / "manifest.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    previous = {f["path"]: f for f in old.get("files", [])}
    files: dict[str, dict] = dict(previous)
    failed: list[tuple[DataSet, str]] = []
    stopped_offline = False
    kw = {"retries": retries, "backoff": backoff, "timeout": timeout, "sleep": sleep}
    for index, ds in enumerate(wanted):
        target = out / ds.path
        entry = previous.get(ds.path)
        if not force and entry and target.is_file() and sha256_of(target) == entry.get("sha256"):
            log(f"up to date: {ds.path}")
            continue
        problems, offline = [], True
        for source in ds.sources:
            try:
                url = _api_data_set_url(source, endpoints, **kw) if source.kind == "api" else source.url(endpoints)
                data = fetch(url, **kw)
                if not _looks_right(data, ds.path):
                    raise _WrongContent("the response is not the expected file (an error page?)")
            except _Transient as exc:
                problems.append(f"{source.kind}: {exc}")
                continue
            except _WrongContent as exc:
                offline = False
                problems.append(f"{source.kind}: {exc}")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(data)
            partial.replace(target)
            files[ds.path] = {
                "key": ds.key, "path": ds.path, "url": url, "source": source.kind, "sha256": sha256_of(target),
                "bytes": len(data), "downloaded": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            log(f"downloaded: {ds.path} ({len(data):,} bytes, {source.kind})")
            break
        else:
            failed.append((ds, "; ".join(problems)))
            if index == 0 and offline:
                stopped_offline = True
                break  # no connection at all: say so now rather than retrying every file
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "package_version": __version__,
        "files": sorted(files.values(), key=lambda f: f["path"]),
        "not_downloadable": [NOT_DOWNLOADABLE],
    }
    if files:
        out.mkdir(parents=True, exist_ok=True)
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    if failed:
        stopped = len(failed) == 1 and failed[0][0] is wanted[0] and len(wanted) > 1 and stopped_offline
        missing = wanted if stopped else [ds for ds, _ in failed]
        lead = ("No connection to the national statistics sites" if stopped else
                f"{len(failed)} of {len(wanted)} national files could not be downloaded")
        raise DownloadError(
            f"{lead} ({failed[0][1]}). Get them by hand on a computer with internet access and copy them "
            f"here:\n{manual_instructions(missing, out, endpoints)}\n"
            "Then run the report again; it uses whatever national files it finds in that folder."
        )
    return manifest


def _select(keys: Iterable[str]) -> list[DataSet]:
    by_key = {ds.key: ds for ds in REGISTRY}
    chosen = []
    for key in keys:
        if key not in by_key:
            raise ParameterError(f"unknown national data set {key!r}; choose from {', '.join(by_key)}")
        chosen.append(by_key[key])
    return chosen
