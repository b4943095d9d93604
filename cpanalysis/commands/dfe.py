"""``cpanalysis dfe``: the national (DfE) files.

* ``cpanalysis dfe download [--out data/raw/dfe] [--only KEY ...] [--force]``: fetch them (EES
  data catalogue, EES API, pinned GitHub copies), with retries and a ``manifest.json`` of
  SHA-256 checksums. Offline, it prints where to get each file by hand (exit code 2).
* ``cpanalysis dfe list``: the data sets, where each is saved and where it comes from.
* ``cpanalysis dfe check [DIR]``: what the loaders find in a folder (files read, absent, values).
* ``cpanalysis dfe snapshot DIR [--out FOLDER]``: rebuild the package's built-in snapshot of the
  published figures from a folder of downloaded files (:mod:`cpanalysis.dfe.snapshot`).
"""

from __future__ import annotations

import argparse
import sys

from cpanalysis.dfe import download as dl
from cpanalysis.dfe.folders import DEFAULT_OUT, find_dfe_folder, national_files_help


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``dfe`` sub-command (with ``download``, ``list`` and ``check``)."""
    parser = subparsers.add_parser(
        "dfe",
        help="download and check the national DfE statistics",
        description="National DfE statistics on children looked after: download them, list them, "
        "or check what a folder holds.",
    )
    actions = parser.add_subparsers(dest="dfe_command", metavar="ACTION")
    down = actions.add_parser("download", help="download the national files",
                              description="Download the national files into a folder (default data/raw/dfe).")
    down.add_argument("--out", default=str(DEFAULT_OUT), help=f"output folder (default: {DEFAULT_OUT})")
    down.add_argument("--only", nargs="+", metavar="KEY", help="only these data sets (see `cpanalysis dfe list`)")
    down.add_argument("--force", action="store_true", help="download again even when up to date")
    down.add_argument("--retries", type=int, default=3, help="retries per address (default: 3)")
    down.add_argument("--timeout", type=float, default=60, help="seconds per request (default: 60)")
    for name, default in (("catalogue", dl.Endpoints.catalogue), ("api", dl.Endpoints.api),
                          ("github", dl.Endpoints.github)):
        down.add_argument(f"--{name}-base", default=default, help=f"base address of the {name} source "
                          f"(for a mirror; default: {default})")
    actions.add_parser("list", help="list the national data sets and their sources")
    check = actions.add_parser("check", help="summarise the national files a folder holds")
    check.add_argument("dir", nargs="?", default=None, help="folder (default: the first one found)")
    snap = actions.add_parser("snapshot", help="rebuild the built-in snapshot from downloaded files",
                              description="Rebuild the compact snapshot of DfE's published figures that the "
                              "package ships (national, areas and neighbour tables, manifest with checksums, "
                              "Open Government Licence attribution) from a folder of downloaded files.")
    snap.add_argument("dir", help="folder of downloaded national files (e.g. data/raw/dfe)")
    snap.add_argument("--out", default=None,
                      help="folder to write (default: the package's own data/dfe_snapshot)")
    parser.set_defaults(handler=run, dfe_parser=parser)


def run(args: argparse.Namespace) -> int:
    """Run ``cpanalysis dfe ACTION``; returns the exit code."""
    if args.dfe_command == "download":
        endpoints = dl.Endpoints(args.catalogue_base.rstrip("/"), args.api_base.rstrip("/"),
                                 args.github_base.rstrip("/"))
        manifest = dl.download(args.out, args.only, endpoints, retries=args.retries, timeout=args.timeout,
                               force=args.force, log=lambda m: print(m, file=sys.stderr))
        print(f"{len(manifest['files'])} national files in {args.out} (checksums in {args.out}/manifest.json)")
        for note in manifest["not_downloadable"]:
            print(f"not downloadable: {note}")
        return 0
    if args.dfe_command == "list":
        for ds in dl.REGISTRY:
            print(f"{ds.key:<22} {ds.path}\n{'':<22} {ds.description}")
            for source in ds.sources:
                print(f"{'':<22}   {source.kind}: {source.url(dl.Endpoints())}")
        return 0
    if args.dfe_command == "check":
        from cpanalysis.dfe.load import load_dfe

        folder = args.dir or find_dfe_folder()
        if folder is None:
            print(national_files_help())
            return 1
        table = load_dfe(folder)
        for note in table.attrs["notes"]:
            print(note)
        print(f"{len(table):,} values for {table['indicator_id'].nunique()} indicators, "
              f"{table['geography'].nunique()} areas, years {table['period_end'].min():%Y}-"
              f"{table['period_end'].max():%Y}")
        return 0
    if args.dfe_command == "snapshot":
        from cpanalysis.dfe import snapshot

        out = args.out or snapshot.SNAPSHOT_DIR
        manifest = snapshot.build_snapshot(args.dir, out)
        rows = manifest["rows"]
        print(f"DfE snapshot written to {out}: {rows[snapshot.NATIONAL]:,} values for {manifest['indicators']} "
              f"indicators, years {manifest['first_year']}-{manifest['latest_year']}, {rows[snapshot.AREAS]} "
              f"authorities, neighbour models {', '.join(manifest['neighbour_models'])}, from "
              f"{len(manifest['sources'])} files")
        return 0
    args.dfe_parser.print_help()
    return 0
