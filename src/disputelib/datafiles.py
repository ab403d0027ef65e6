"""TOML data files shipped inside the package (rule packs, scenarios) or given by path.

Rule packs and scenarios are both "rules as data": named files in a package folder, or
any file a user points at, with single values overridable from Python for what-if work.
This module is the one place that finds, reads and overrides them; each kind validates
its own content.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any


def shipped(folder: str) -> list[str]:
    """Names of the ``.toml`` files in a package folder, without the extension."""
    root = resources.files("disputelib") / folder
    return sorted(p.name[: -len(".toml")] for p in root.iterdir() if p.name.endswith(".toml"))


def read_toml(
    name_or_path: str | Path, folder: str, kind: str, error: type[Exception]
) -> tuple[dict[str, Any], str]:
    """Read a shipped file by name, or any file by path.

    Parameters
    ----------
    name_or_path
        A name from :func:`shipped` or the path of a ``.toml`` file.
    folder
        The package folder of the shipped files (``"packs"``, ``"scenarios"``).
    kind
        What the file is, for messages (``"rule pack"``, ``"scenario"``).
    error
        The exception class to raise, with one sentence naming the file.

    Returns
    -------
    (data, where)
        The parsed TOML, and how to name the file in messages (its path, or
        ``NAME.toml`` for a shipped file).
    """
    name = str(name_or_path)
    path = Path(name)
    if name.endswith(".toml") or path.exists():
        if not path.is_file():
            raise error(f"{kind} file {name!r} does not exist")
        data, where = path.read_bytes(), str(path)
    else:
        resource = resources.files("disputelib") / folder / f"{name}.toml"
        if not resource.is_file():
            raise error(
                f"unknown {kind} {name!r}: use one of {', '.join(shipped(folder))} or the path of a .toml file"
            )
        data, where = resource.read_bytes(), f"{name}.toml"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{where}: not UTF-8 text (byte {exc.start + 1} cannot be read): save the {kind} as UTF-8") from None
    try:
        return tomllib.loads(text), where
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}: not valid TOML ({exc})") from None


def apply_overrides(
    raw: Mapping[str, Any], overrides: Mapping[str, Any], where: str, kind: str, error: type[Exception]
) -> dict[str, Any]:
    """A deep copy of ``raw`` with dotted keys replaced (``{"timers.seller_response.offset": 5}``).

    A key under a table that does not exist is an error; a new key in an existing table is
    kept, so that the kind's own validation reports it as unknown.
    """
    data = copy.deepcopy(dict(raw))
    for dotted, value in overrides.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            if not isinstance(node.get(part), dict):
                raise error(f"{where}: cannot override {dotted!r}: the {kind} has no table {part!r}")
            node = node[part]
        node[last] = value
    return data
