"""The suite's own setup: ``--dist loadgroup`` sees the ``xdist_group`` marks (``make test``).

Without them the session's shared reports run once per worker; nothing fails, the suite
only gets slower, so this says it out loud.
"""

from __future__ import annotations

import pytest


@pytest.mark.xdist_group("grouping_check")
def test_a_grouped_test_carries_its_group_to_the_scheduler(request):
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only in an xdist worker under --dist loadgroup")
    assert request.node.nodeid.endswith("@grouping_check"), request.node.nodeid
