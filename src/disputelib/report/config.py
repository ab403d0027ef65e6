"""Report configs: read a YAML config, check it, and plan each notebook's parameters.

A config names the notebooks to run, the parameters they get, the input files the landing
page summarises and a per-notebook timeout. :func:`load_config` checks the file itself
(unknown keys, impossible values) and applies command-line values; :func:`plan` checks it
against the ``parameters`` cell each notebook declares, before anything runs.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from disputelib.errors import DisputelibError
from disputelib.importers import ORDER_FORMATS
from disputelib.paths import resolve
from disputelib.policy import DEFAULT_PACK
from disputelib.windows import as_date

#: Keys a report config may hold (anything else is an error).
CONFIG_KEYS = frozenset(
    {"title", "as_of", "pack", "timeout", "kernel", "soon_days", "inputs", "parameters", "notebooks"}
)
#: Keys of one entry of ``notebooks``.
NOTEBOOK_KEYS = frozenset({"path", "name", "parameters", "timeout"})
#: Input files the landing page summarises, and the notebook parameter each one is passed as.
INPUT_PARAMETERS: dict[str, str] = {"orders": "orders_path", "disputes": "disputes_path"}
#: Input keys that are not files of their own: ``columns``, the column map the orders are read with.
INPUT_OPTIONS = frozenset({"columns"})
#: ``inputs.orders_format``: how ``inputs.orders`` is read (:func:`disputelib.read_orders`);
#: passed as ``orders_format`` to notebooks declaring it.
ORDERS_FORMAT = "orders_format"
#: Placeholder in string parameters replaced by the run's folder (for files a notebook writes).
RUN_PLACEHOLDER = "{run}"
#: The config used when none is given, relative to the project root.
DEFAULT_CONFIG = "conf/reports/daily.yaml"
DEFAULT_TIMEOUT = 1800.0
DEFAULT_SOON_DAYS = 7


class ReportConfigError(DisputelibError, ValueError):
    """A report config that cannot run; the message is one sentence for the user."""


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook of a report: where it is and what it gets."""

    name: str
    path: Path
    parameters: dict[str, Any]
    timeout: float


@dataclass(frozen=True)
class ReportConfig:
    """A checked report config, with command-line values already applied."""

    source: Path | None
    title: str
    as_of: str
    pack: str
    kernel: str
    soon_days: int
    inputs: dict[str, str]
    parameters: dict[str, Any]
    notebooks: tuple[NotebookSpec, ...]
    orders_format: str = "table"


def _where(source: Path | None) -> str:
    return f"{source}: " if source is not None else ""


def _check_keys(found: Mapping, allowed: frozenset[str], what: str, source: Path | None) -> None:
    unknown = sorted(set(map(str, found)) - allowed)
    if unknown:
        raise ReportConfigError(
            f"{_where(source)}unknown key {unknown[0]!r} in {what} (allowed: {', '.join(sorted(allowed))})"
        )


def _mapping(value: Any, what: str, source: Path | None) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ReportConfigError(f"{_where(source)}{what} must be a mapping of names to values")
    return {str(k): _plain(v) for k, v in value.items()}


def _plain(value: Any) -> Any:
    """YAML dates as ISO text: notebook parameters are plain literals."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _seconds(value: Any, what: str, source: Path | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ReportConfigError(f"{_where(source)}{what} must be a positive number of seconds, not {value!r}")
    return float(value)


def _iso_day(value: Any, source: Path | None) -> str:
    try:
        day = as_date(_plain(value))
    except ValueError as exc:
        raise ReportConfigError(f"{_where(source)}as_of: {exc}") from None
    return str(day)


def load_config(
    config: str | Path | Mapping | None,
    as_of: str | dt.date | None = None,
    timeout: float | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ReportConfig:
    """Read and check a report config; command-line values win over the file.

    Parameters
    ----------
    config
        A YAML file, an already-parsed mapping, or None for :data:`DEFAULT_CONFIG`.
    as_of
        Replaces the config's ``as_of``.
    timeout
        Replaces every notebook's timeout (seconds).
    overrides
        Parameter values that replace the config's: ``pack`` replaces the config's pack,
        any other name replaces that parameter for every notebook that declares it.

    Returns
    -------
    ReportConfig

    Raises
    ------
    ReportConfigError
        For a missing file, bad YAML, an unknown key or an impossible value; nothing about
        the notebooks is checked here (see :func:`plan`).
    """
    source: Path | None = None
    if config is None:
        config = resolve(DEFAULT_CONFIG)
    if isinstance(config, Mapping):
        raw = dict(config)
    else:
        source = Path(config)
        if not source.is_file():
            raise ReportConfigError(f"cannot read the report config {str(source)!r}: no such file")
        try:
            raw = yaml.safe_load(source.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            raise ReportConfigError(f"{source}: not UTF-8 text: save the report config as UTF-8") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" at line {mark.line + 1}" if mark is not None else ""
            raise ReportConfigError(f"{source}: not valid YAML{line}") from None
        if not isinstance(raw, dict):
            raise ReportConfigError(f"{source}: a report config must be a mapping of keys to values")
    _check_keys(raw, CONFIG_KEYS, "the report config", source)

    overrides = {str(k): _plain(v) for k, v in (overrides or {}).items()}
    if "as_of" in overrides:
        as_of = overrides.pop("as_of")
    day = as_of if as_of is not None else raw.get("as_of")
    if day is None:
        raise ReportConfigError(f"{_where(source)}as_of is missing: set it in the config or pass --as-of")
    pack = str(overrides.pop("pack", raw.get("pack") or DEFAULT_PACK))
    default_timeout = _seconds(raw.get("timeout", DEFAULT_TIMEOUT), "timeout", source)
    if timeout is not None:
        timeout = _seconds(timeout, "--timeout", source)
    soon = raw.get("soon_days", DEFAULT_SOON_DAYS)
    if isinstance(soon, bool) or not isinstance(soon, int) or soon < 0:
        raise ReportConfigError(f"{_where(source)}soon_days must be a whole number of days, not {soon!r}")

    inputs = _mapping(raw.get("inputs"), "inputs", source)
    orders_format = inputs.pop(ORDERS_FORMAT, "table")
    if orders_format not in ORDER_FORMATS:
        raise ReportConfigError(
            f"{_where(source)}inputs.{ORDERS_FORMAT} must be one of {', '.join(ORDER_FORMATS)}, not {orders_format!r}"
        )
    _check_keys(inputs, frozenset(INPUT_PARAMETERS) | INPUT_OPTIONS, "inputs", source)
    for name, value in inputs.items():
        if not isinstance(value, str) or not value.strip():
            raise ReportConfigError(f"{_where(source)}inputs.{name} must be a file path")

    entries = raw.get("notebooks")
    if not isinstance(entries, list) or not entries:
        raise ReportConfigError(f"{_where(source)}notebooks must be a non-empty list of notebooks to run")
    notebooks = []
    for i, entry in enumerate(entries, start=1):
        if isinstance(entry, str):
            entry = {"path": entry}
        if not isinstance(entry, Mapping) or "path" not in entry:
            raise ReportConfigError(f"{_where(source)}notebooks entry {i} needs a path")
        _check_keys(entry, NOTEBOOK_KEYS, f"notebooks entry {i}", source)
        path = resolve(str(entry["path"]))
        if not path.is_file() or path.suffix != ".ipynb":
            raise ReportConfigError(f"{_where(source)}notebook {str(entry['path'])!r} is not an .ipynb file")
        limit = _seconds(entry["timeout"], f"timeout of {path.name}", source) if "timeout" in entry else None
        params = _mapping(entry.get("parameters"), f"parameters of {path.name}", source)
        name = str(entry.get("name") or path.stem)
        if "/" in name or "\\" in name or name.startswith("."):
            raise ReportConfigError(f"{_where(source)}notebook name {name!r} must be a plain file name")
        notebooks.append(NotebookSpec(name, path, params, timeout or limit or default_timeout))
    names = [nb.name for nb in notebooks]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise ReportConfigError(f"{_where(source)}two notebooks are named {duplicate!r}: give one a distinct name")

    parameters = _mapping(raw.get("parameters"), "parameters", source)
    parameters.update(overrides)
    for nb in notebooks:
        nb.parameters.update({k: v for k, v in overrides.items() if k in nb.parameters})
    return ReportConfig(
        source=source,
        title=str(raw.get("title") or "Dispute report"),
        as_of=_iso_day(day, source),
        pack=pack,
        kernel=str(raw.get("kernel") or "python3"),
        soon_days=soon,
        inputs=inputs,
        parameters=parameters,
        notebooks=tuple(notebooks),
        orders_format=orders_format,
    )


_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
    "dict": (dict,),
    "list": (list,),
}

#: What the value of a parameter must be, by the parameter's name: a ``YYYY-MM-DD`` day,
#: a rule pack (name or ``.toml`` path), a scenario, or an existing file. Names ending in
#: ``_path`` are files and names ending in ``_pack`` are packs; a parameter whose help
#: text says ``YYYY-MM-DD`` is a day.
PARAMETER_KINDS: dict[str, str] = {
    "as_of": "date",
    "start": "date",
    "pack": "pack",
    "scenario": "scenario",
}
_SUFFIX_KINDS = (("_path", "file"), ("_pack", "pack"), ("_date", "date"))
_TRUE, _FALSE = frozenset({"true", "yes", "1"}), frozenset({"false", "no", "0"})


class ParameterError(ReportConfigError):
    """A notebook parameter that cannot work: unknown, of the wrong type, or a bad value."""


def declared_parameters(path: Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares in its ``parameters`` cell, by name (papermill's view)."""
    import papermill

    return {name: dict(info) for name, info in papermill.inspect_notebook(str(path)).items()}


def declared_type(info: Mapping[str, Any]) -> str:
    """The declared type of a parameter (``int``, ``str``...; ``Optional[X]`` gives ``X``)."""
    return str(info.get("inferred_type_name", "")).removeprefix("Optional[").removesuffix("]")


def parameter_kind(name: str, info: Mapping[str, Any]) -> str | None:
    """``"date"``, ``"pack"``, ``"scenario"``, ``"file"`` or None: how a value is checked."""
    if name in PARAMETER_KINDS:
        return PARAMETER_KINDS[name]
    for suffix, kind in _SUFFIX_KINDS:
        if name.endswith(suffix):
            return kind
    if "YYYY-MM-DD" in str(info.get("help", "")):
        return "date"
    return None


def parse_parameter(name: str, text: str, info: Mapping[str, Any], notebook: str) -> Any:
    """A command-line value (``-p NAME VALUE``) as the type the notebook declares.

    ``str`` parameters take the text as it is; ``int``, ``float`` and ``bool`` are parsed
    (``true``/``false``, ``yes``/``no``, ``1``/``0``); ``dict`` and ``list`` are read as
    YAML or JSON (``{"timers.seller_response.offset": 5}``); an undeclared type is read
    as YAML.

    Raises
    ------
    ParameterError
        When the text is not a value of the declared type.
    """
    kind = declared_type(info)
    wrong = ParameterError(f"parameter {name!r} of {notebook} must be {kind}, not {text!r}")
    if kind == "str":
        return text
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise wrong from None
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            raise wrong from None
    if kind == "bool":
        if text.strip().lower() in _TRUE | _FALSE:
            return text.strip().lower() in _TRUE
        raise wrong
    try:
        value = _plain(yaml.safe_load(text))
    except yaml.YAMLError:
        value = text if kind not in _TYPES else None
    if kind in _TYPES and not isinstance(value, _TYPES[kind]):
        raise wrong
    return value


def _check_value(name: str, value: Any, kind: str | None, values: Mapping[str, Any], nb: Path) -> None:
    """Check one value of a known kind; :class:`ParameterError` with one sentence otherwise."""
    from disputelib.paths import PathError, check_input
    from disputelib.policy import PackError, load_pack
    from disputelib.scenario import ScenarioError, load_scenario

    if kind is None or not isinstance(value, str) or RUN_PLACEHOLDER in value:
        return
    what = f"parameter {name!r} of {nb.name}"
    if kind == "date":
        try:
            as_date(value, name="")
        except ValueError as exc:
            raise ParameterError(f"{what}: {exc}") from None
    elif kind == "file":
        if not value.strip():
            return  # the notebooks read "" as "no file"
        try:
            check_input(resolve(value), name.removesuffix("_path"))
        except PathError as exc:
            raise ParameterError(f"{what}: {exc}") from None
    elif kind in ("pack", "scenario"):
        # The notebook runs in its own folder, so a relative .toml path is read from there.
        given = Path(value).expanduser()
        source = str(nb.parent / given) if value.endswith(".toml") and not given.is_absolute() else value
        overrides = values.get(f"{name.removesuffix('pack')}overrides") if kind == "pack" else None
        try:
            if kind == "pack":
                load_pack(source, overrides=overrides if isinstance(overrides, Mapping) and overrides else None)
            else:
                load_scenario(source)
        except (PackError, ScenarioError, ValueError) as exc:
            raise ParameterError(f"{what}: {exc}") from None


def check_parameters(
    path: Path,
    values: Mapping[str, Any],
    declared: Mapping[str, Mapping[str, Any]] | None = None,
    where: str = "",
) -> None:
    """Check values for a notebook's parameters before it runs.

    The one check shared by ``disputelib report`` and ``disputelib notebook``: every
    name must be declared in the notebook's ``parameters`` cell, every value must fit
    the declared type, and values of known kinds (:func:`parameter_kind`) must work: a
    real ``YYYY-MM-DD`` day, a rule pack or scenario that loads (with its overrides), an
    existing file (``""`` means none). Papermill itself only warns on an unknown name.

    Parameters
    ----------
    path
        The notebook.
    values
        Parameter names to values.
    declared
        The notebook's declared parameters (:func:`declared_parameters`), read when None.
    where
        A prefix for messages (the config file).

    Raises
    ------
    ParameterError
        One sentence naming the parameter, the notebook and what is wrong.
    """
    if declared is None:
        try:
            declared = declared_parameters(path)
        except Exception as exc:
            raise ParameterError(f"{where}cannot read the parameters of {path.name}: {exc}") from None
    unknown = sorted(set(values) - set(declared))
    if unknown:
        names = ", ".join(sorted(declared)) or "none"
        raise ParameterError(
            f"{where}notebook {path.name} does not declare parameter {unknown[0]!r} (it declares: {names})"
        )
    for name, value in values.items():
        kind = declared_type(declared[name])
        allowed = _TYPES.get(kind)
        wrong = allowed is not None and (
            not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed)
        )
        if wrong and value is not None:
            raise ParameterError(f"{where}parameter {name!r} of {path.name} must be {kind}, not {value!r}")
    effective = {**_defaults(declared), **values}
    for name in declared:
        pack_of_overrides = f"{name.removesuffix('pack')}overrides" in values
        if name not in values and not (parameter_kind(name, declared[name]) == "pack" and pack_of_overrides):
            continue
        try:
            _check_value(name, effective.get(name), parameter_kind(name, declared[name]), effective, path)
        except ParameterError as exc:
            raise ParameterError(f"{where}{exc}") from None


def _defaults(declared: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The declared default values that are plain literals."""
    out = {}
    for name, info in declared.items():
        try:
            out[name] = ast.literal_eval(str(info.get("default")))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
    return out


def plan(config: ReportConfig) -> dict[str, dict[str, Any]]:
    """The parameters each notebook will get, checked against what the notebooks declare.

    ``as_of``, ``pack``, ``soon_days``, the ``inputs`` (as ``orders_path`` /
    ``disputes_path``) and the global ``parameters`` go to every notebook that declares
    them; a notebook's own ``parameters`` win over them.

    Returns
    -------
    dict
        Notebook name to its parameters.

    Raises
    ------
    ReportConfigError
        When a notebook's own parameter is not declared by it, a global parameter is
        declared by none of the notebooks, or a value does not fit the declared type or
        cannot work (:func:`check_parameters`: a bad date, an unknown pack, a missing file).
    """
    where = _where(config.source)
    shared: dict[str, Any] = {"as_of": config.as_of, "pack": config.pack, "soon_days": config.soon_days}
    shared.update({INPUT_PARAMETERS[k]: v for k, v in config.inputs.items() if k in INPUT_PARAMETERS})
    shared[ORDERS_FORMAT] = config.orders_format
    if "columns" in config.inputs:
        shared["columns_path"] = config.inputs["columns"]
    shared.update(config.parameters)
    used: set[str] = set()
    out: dict[str, dict[str, Any]] = {}
    for nb in config.notebooks:
        try:
            declared = declared_parameters(nb.path)
        except Exception as exc:
            raise ReportConfigError(f"{where}cannot read the parameters of {nb.path.name}: {exc}") from None
        check_parameters(nb.path, nb.parameters, declared, where)  # its own names first: a typo is named
        params = {k: v for k, v in shared.items() if k in declared}
        used.update(params)
        params.update(nb.parameters)
        check_parameters(nb.path, params, declared, where)
        out[nb.name] = params
    unused = sorted(set(config.parameters) - used)
    if unused:
        raise ReportConfigError(f"{where}no notebook declares parameter {unused[0]!r}")
    return out
