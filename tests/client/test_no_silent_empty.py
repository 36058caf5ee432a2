"""Issue 7 item 8: no read that failed may look like "no data".

``getCollection`` given an ``http://`` ref of an https server (refs copied from logs or older
data) reads the collection over https; a transport failure is an error response (falsy,
``errors`` saying why) or an exception, never a bare empty iteration.
"""

from __future__ import annotations

import pytest

from pyral import Rally, RallyRESTAPIError
from pyral.emulator import EmulatorServer
from pyral.emulator.demo import DEMO_APIKEY

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture(scope="module")
def tls_server():
    srv = EmulatorServer(demo=True, quiet=True, tls=True).start()
    yield srv
    srv.stop()


def _story_with_tasks(rally: Rally):
    return rally.get(
        "HierarchicalRequirement",
        fetch="FormattedID,Tasks",
        query="FormattedID = US1",
        project=None,
        instance=True,
    )


def test_http_ref_of_an_https_server_reads_the_collection(tls_server) -> None:
    rally = Rally(tls_server.host_port, apikey=DEMO_APIKEY, verify_ssl_cert=False)
    story = _story_with_tasks(rally)
    https_ref = f"https://{tls_server.host_port}/slm/webservice/v2.0/HierarchicalRequirement/{story.oid}/Tasks"
    expected = sorted(t.Name for t in rally.getCollection(https_ref))
    assert expected  # the demo story has tasks
    tls_server.app.clear_request_log()
    response = rally.getCollection(https_ref.replace("https://", "http://"))
    assert response.status_code == 200 and not response.errors
    assert sorted(t.Name for t in response) == expected
    assert all(r.status == 200 for r in tls_server.app.request_log)


def test_refs_of_other_hosts_keep_their_scheme(tls_server) -> None:
    rally = Rally(tls_server.host_port, apikey=DEMO_APIKEY, verify_ssl_cert=False)
    assert rally._absolute("http://elsewhere.example/x") == "http://elsewhere.example/x"
    assert rally._absolute("defect/1").startswith("https://")


def test_a_transport_failure_is_an_error_response_not_no_data() -> None:
    srv = EmulatorServer(demo=True, quiet=True).start()
    rally = Rally(srv.url, apikey=DEMO_APIKEY, retries=0)
    story = _story_with_tasks(rally)
    ref = f"{srv.url}/slm/webservice/v2.0/HierarchicalRequirement/{story.oid}/Tasks"
    srv.stop()
    response = rally.getCollection(ref)
    assert not response
    assert response.status_code == 404
    assert response.errors == [f"Target Rally host: '{srv.host_port}' non-existent or unreachable"]
    queried = rally.get("Defect", fetch="Name", project=None)
    assert not queried and queried.errors and "unreachable" in queried.errors[0]
    # a lazy collection read has no response to carry the error: it raises
    with pytest.raises(RallyRESTAPIError) as info:
        _ = story.Tasks
    assert "non-existent or unreachable" in str(info.value)
