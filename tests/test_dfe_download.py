"""The download client against a local HTTP server on 127.0.0.1 (no test touches the internet)."""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cpanalysis import cli
from cpanalysis.dfe import download as dl
from cpanalysis.dfe import ees
from cpanalysis.errors import DownloadError, ParameterError

FIXTURES = Path(__file__).parent / "fixtures" / "ees_api"
SAMPLE = (FIXTURES / "la_cla_placement_stability_sample.csv").read_bytes()
STABILITY_FILE = "3b90f444-beab-46ee-a815-5177852ff3fd"


class Server:
    """Routes path -> list of (status, body, headers); the last response repeats."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, bytes, dict[str, str]]]] = {}
        self.hits: dict[str, int] = {}
        routes, hits = self.routes, self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path
                hits[path] = hits.get(path, 0) + 1
                answers = routes.get(path, [(404, b"<html>not found</html>", {})])
                status, body, headers = answers[min(hits[path], len(answers)) - 1]
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def endpoints(self) -> dl.Endpoints:
        return dl.Endpoints(catalogue=f"{self.base}/ees", api=f"{self.base}/api", github=f"{self.base}/gh")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def no_wait(record: list[float] | None = None):
    return (lambda s: record.append(s)) if record is not None else (lambda s: None)


def ds(key: str) -> dl.DataSet:
    return next(d for d in dl.REGISTRY if d.key == key)


def test_catalogue_download_with_manifest(server: Server, tmp_path: Path) -> None:
    server.routes[f"/ees/data-catalogue/data-set/{STABILITY_FILE}/csv"] = [(200, SAMPLE, {"Content-Type": "text/csv"})]
    manifest = dl.download(tmp_path, ["health"], server.endpoints(), sleep=no_wait())
    target = tmp_path / ds("health").path
    assert target.read_bytes() == SAMPLE
    entry = manifest["files"][0]
    assert entry["sha256"] == hashlib.sha256(SAMPLE).hexdigest() and entry["source"] == "catalogue"
    on_disk = json.loads((tmp_path / "manifest.json").read_text())
    assert on_disk["files"][0]["sha256"] == entry["sha256"] and on_disk["package_version"]
    # Up to date: a second run does not fetch again.
    dl.download(tmp_path, ["health"], server.endpoints(), sleep=no_wait())
    assert server.hits[f"/ees/data-catalogue/data-set/{STABILITY_FILE}/csv"] == 1


def test_retries_with_backoff(server: Server, tmp_path: Path) -> None:
    path = f"/ees/data-catalogue/data-set/{STABILITY_FILE}/csv"
    server.routes[path] = [(503, b"busy", {}), (503, b"busy", {}), (200, SAMPLE, {})]
    waits: list[float] = []
    dl.download(tmp_path, ["health"], server.endpoints(), backoff=0.5, sleep=no_wait(waits))
    assert server.hits[path] == 3 and waits == [0.5, 1.0]


def test_api_search_and_gzip(server: Server, tmp_path: Path) -> None:
    listing = (FIXTURES / "publication_data_sets.json").read_bytes()
    server.routes[f"/api/publications/{dl.CLA_PUBLICATION}/data-sets?page=1&pageSize=100"] = [(200, listing, {})]
    server.routes["/api/data-sets/7a8b1c2d-0000-4000-8000-000000000002/csv"] = [
        (200, gzip.compress(SAMPLE), {"Content-Encoding": "gzip", "Content-Type": "text/csv"})]
    manifest = dl.download(tmp_path, ["stability"], server.endpoints(), sleep=no_wait())
    assert manifest["files"][0]["source"] == "api"
    target = tmp_path / ds("stability").path
    assert target.read_bytes() == SAMPLE
    rows = ees.load_file(target)  # the loaders read what the client wrote
    assert rows.loc[rows["geography"] == "E10000018", "suppressed"].tolist() == ["c"]


def test_error_page_and_404_fall_back_to_github(server: Server, tmp_path: Path) -> None:
    server.routes[f"/ees/data-catalogue/data-set/{STABILITY_FILE}/csv"] = [(200, b"<!DOCTYPE html><p>moved</p>", {})]
    github = next(s for s in ds("health").sources if s.kind == "github")
    server.routes[f"/gh/{github.ref}"] = [(200, SAMPLE, {})]
    manifest = dl.download(tmp_path, ["health"], server.endpoints(), sleep=no_wait())
    assert manifest["files"][0]["source"] == "github"


def test_partial_failure_keeps_what_it_got_and_says_what_is_missing(server: Server, tmp_path: Path) -> None:
    server.routes[f"/ees/data-catalogue/data-set/{STABILITY_FILE}/csv"] = [(200, SAMPLE, {})]
    with pytest.raises(DownloadError, match="1 of 2 national files could not be downloaded") as err:
        dl.download(tmp_path, ["health", "lait"], server.endpoints(), sleep=no_wait())
    assert "bds_long_0.parquet" in str(err.value) and "by hand" in str(err.value)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [f["key"] for f in manifest["files"]] == ["health"]


def test_offline_message_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    endpoints = dl.Endpoints(base, base, base)
    with pytest.raises(DownloadError, match="No connection") as err:
        dl.download(tmp_path, None, endpoints, retries=1, sleep=no_wait())
    message = str(err.value)
    for data_set in dl.REGISTRY:  # every file named with where to put it
        assert str(tmp_path / data_set.path) in message
    assert "find-statistics/children-looked-after-in-england-including-adoptions" in message
    code = cli.main(["dfe", "download", "--out", str(tmp_path), "--retries", "0", "--catalogue-base", base,
                     "--api-base", base, "--github-base", base])
    assert code == 2
    assert "No connection" in capsys.readouterr().err


def test_unknown_key_and_url() -> None:
    with pytest.raises(ParameterError, match="unknown national data set"):
        dl.download("x", ["nope"])
    with pytest.raises(ParameterError, match="http"):
        dl.fetch("file:///etc/passwd")


@pytest.mark.dfe
def test_serves_the_shared_files_byte_for_byte(server: Server, tmp_path: Path, shared_dfe: Path) -> None:
    for key in ("lait_codes", "numbers"):
        data_set = ds(key)
        github = next(s for s in data_set.sources if s.kind == "github")
        original = shared_dfe / data_set.path
        server.routes[f"/gh/{github.ref}"] = [(200, original.read_bytes(), {})]
    manifest = dl.download(tmp_path, ["lait_codes", "numbers"],
                           dl.Endpoints(catalogue=server.base + "/x", api=server.base + "/x", github=server.base + "/gh"),
                           sleep=no_wait())
    for entry in manifest["files"]:
        assert entry["sha256"] == hashlib.sha256((shared_dfe / entry["path"]).read_bytes()).hexdigest()


def test_list_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["dfe", "list"]) == 0
    out = capsys.readouterr().out
    assert "la_cla_placement_stability.csv" in out and "data-catalogue/data-set/3b90f444" in out


@pytest.mark.dfe
def test_check_command(shared_dfe: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["dfe", "check", str(shared_dfe / "csc_outcomes_and_enablers" / "2020_2024")]) == 0
    out = capsys.readouterr().out
    assert "read: la_cla_placement_stability.csv" in out and "years 2020-2024" in out
