"""pyral 1.7.0's RallyContextHelper.check / resetDefaultProject, over HTTP."""

from __future__ import annotations

import pytest

from pyral import Rally, RallyRESTAPIError
from pyral.emulator.demo import DEMO_APIKEY


def test_reset_default_project_goes_back_to_the_profile_default(server) -> None:
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    default = rally.getProject().Name
    rally.setProject("Search")
    assert rally.getProject().Name == "Search"
    rally.contextHelper.resetDefaultProject()
    assert rally.getProject().Name == default


def test_check_reestablishes_a_named_context(server) -> None:
    rally = Rally(server.url, apikey=DEMO_APIKEY)
    rally.contextHelper.check(server.url, "Demo Workspace", "Checkout")
    assert (rally.getWorkspace().Name, rally.getProject().Name) == ("Demo Workspace", "Checkout")
    with pytest.raises(RallyRESTAPIError, match="does not contain an accessible Project"):
        rally.contextHelper.check(server.url, "Demo Workspace", "No Such Project")
