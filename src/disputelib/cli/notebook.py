"""``disputelib notebook NOTEBOOK [-p NAME VALUE]...``: run one notebook safely with papermill.

Every parameter is checked against the notebook's ``parameters`` cell before anything
runs (the same check as ``disputelib report``): an unknown name, a wrong type, a bad date,
an unknown pack or a missing file is one sentence and exit code 2. A failing cell is one
sentence naming the executed notebook to open, exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from disputelib.cli.common import EXIT_FINDINGS, UserError
from disputelib.cli.signals import EXIT_TERMINATED, Terminated, terminate_as_interrupt
from disputelib.paths import check_outputs, project_root, relative, resolve, written_in_place

NAME = "notebook"
HELP = "run one notebook with papermill after checking its parameters: -p NAME VALUE, --out, --html"
#: Where the product notebooks are, relative to the project root.
NOTEBOOKS = "notebooks"
#: Where the executed notebook goes without --out, relative to the project root.
DEFAULT_OUT = "reports"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "notebook", metavar="NOTEBOOK", help="an .ipynb path, or the name of a product notebook (2.0-eligibility)"
    )
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a parameter the notebook declares (repeat for more; see papermill --help-notebook)",
    )
    parser.add_argument(
        "--out", metavar="FILE.ipynb", help=f"the executed notebook (default: {DEFAULT_OUT}/NOTEBOOK.ipynb)"
    )
    parser.add_argument("--html", metavar="FILE.html", help="also write the outputs as a page, as in a report")


def find_notebook(given: str) -> Path:
    """The notebook a user means: an existing path, or a name in the project's ``notebooks/``."""
    path = Path(given).expanduser()
    if path.is_file():
        if path.suffix != ".ipynb":
            raise UserError(f"{given!r} is not a notebook: give an .ipynb file")
        return path
    if path.is_dir():
        raise UserError(f"{given!r} is a folder, not a notebook")
    folder = project_root() / NOTEBOOKS
    name = path.name if path.suffix == ".ipynb" else f"{path.name}.ipynb"
    if len(path.parts) == 1 and (folder / name).is_file():
        return folder / name
    known = ", ".join(sorted(p.stem for p in folder.glob("*.ipynb"))) or "none"
    raise UserError(f"no notebook {given!r}: give an .ipynb path or one of {known}")


def _output(value: str | None, suffix: str, option: str) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if path.suffix.lower() != suffix:
        raise UserError(f"{option} {value!r} must end in {suffix}")
    return path


def run(args: argparse.Namespace) -> int:
    import nbformat  # the report machinery loads only when a notebook runs: the CLI starts fast

    from disputelib.report.config import (
        DEFAULT_TIMEOUT,
        NotebookSpec,
        ReportConfigError,
        check_parameters,
        declared_parameters,
        parameter_kind,
        parse_parameter,
    )
    from disputelib.report.pages import notebook_page, notebook_title
    from disputelib.report.runner import execute

    source = find_notebook(args.notebook)
    try:
        declared = declared_parameters(source)
    except Exception as exc:
        raise UserError(f"cannot read the parameters of {source.name}: {exc}") from None
    values = {}
    try:
        for name, text in args.parameter:
            if name not in declared:
                check_parameters(source, {name: text}, declared)  # the one sentence naming what it declares
            values[name] = parse_parameter(name, text, declared[name], source.name)
        check_parameters(source, values, declared)
    except ReportConfigError as exc:
        raise UserError(str(exc)) from None

    out = _output(args.out, ".ipynb", "--out")
    html = _output(args.html, ".html", "--html")
    if out is None:
        out = project_root() / DEFAULT_OUT / source.name
        out.parent.mkdir(exist_ok=True)
    files = {name: resolve(v) for name, v in values.items() if parameter_kind(name, declared[name]) == "file" and v}
    check_outputs({"notebook": source, **files}, {"--out": out, "--html": html})

    spec = NotebookSpec(source.stem, source.resolve(), values, DEFAULT_TIMEOUT)
    shown = relative(out) if out.is_absolute() else str(out)
    try:
        with terminate_as_interrupt():
            print(f"running {source.name} into {shown} ...", file=sys.stderr, flush=True)
            status, message = execute(spec, values, out.absolute(), "python3")
    except Terminated:
        print(f"disputelib {NAME}: terminated (SIGTERM); what ran is in {shown}", file=sys.stderr)
        return EXIT_TERMINATED
    if html is not None and out.is_file():
        nb = nbformat.read(out, as_version=4)
        title = notebook_title(nb, source.stem)
        try:
            with written_in_place(html) as partial:
                partial.write_text(notebook_page(nb, title, title, status, index_href=None), encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {str(html)!r}: {exc.strerror or exc}") from None
    if status != "ok":
        print(f"disputelib {NAME}: {source.name} {status.replace('_', ' ')}: {message}; "
              f"the executed notebook is {shown}", file=sys.stderr)  # fmt: skip
        return EXIT_FINDINGS
    print(f"{source.name}: ok -> {shown}" + (f" and {html}" if html is not None else ""), file=sys.stderr)
    return 0
