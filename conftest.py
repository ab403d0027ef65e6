"""Test-session setup shared by every path ``make test`` collects: ``tests/``, the package's
doctests and the notebooks checked by nbval (fixtures live in ``tests/conftest.py``)."""

from __future__ import annotations

import re

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Give ``--dist loadgroup`` the ``@group`` node-id suffix it schedules by.

    pytest-xdist 3.8 writes the suffix to ``item._nodeid``, which pytest 9.2 no longer reads
    (its node ids are structured ``item._id`` values), so every ``xdist_group`` was ignored and
    each worker ran the session's shared reports again. Where xdist's own suffix took, nothing
    changes here.

    The cells of a notebook checked by nbval share one kernel and run in order, so each
    notebook is one group (one worker, its cells in order); the notebooks run beside the
    tests instead of after them.
    """
    if not getattr(config.option, "loadgroup", False):  # set in xdist workers only
        return
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group("nbval_" + re.sub(r"\W", "_", item.path.stem)))
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})  # fmt: skip
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = type(item._id).parse(item.nodeid + suffix)
