"""Backend operations beyond plain writes: recycle bin, attachments, collection add/remove, batch."""

from __future__ import annotations

import base64

import pytest
from test_backend_support import World  # the `world` fixture is in conftest.py

from pyral.emulator import errors
from pyral.emulator.backend.attachments import decode_content
from pyral.emulator.errors import NotFoundError, ValidationError, WsapiError

# -- delete / recycle bin ------------------------------------------------------------------------


def test_delete_story_recycles_it_and_its_tasks(world: World) -> None:
    s1, t1 = world.key("s1"), world.key("t1")
    world.backend.delete(world.ann, world.typedef("HierarchicalRequirement"), s1.oid)
    assert world.row(s1.oid).recycled and world.row(s1.oid).data["Recycled"] is True
    assert world.row(t1.oid).recycled
    with pytest.raises(NotFoundError):
        world.backend.get_row(world.ann, world.typedef("Task"), t1.oid)
    total, entries = world.query("RecycleBinEntry")
    assert total == 1
    e = entries[0].data
    assert (e["ID"], e["Name"], e["ItemOID"], e["DeletedBy"]) == (
        "US1",
        "Story one",
        s1.oid,
        world.ann.oid,
    )
    assert e["Type"] == world.seed.typedefs[world.ws("Alpha").oid]["HierarchicalRequirement"]
    assert e["DeletionDate"].endswith("Z")


def test_delete_recycle_bin_entry_purges(world: World) -> None:
    s1, t1 = world.key("s1"), world.key("t1")
    world.backend.delete(world.ann, world.typedef("HierarchicalRequirement"), s1.oid)
    entry = world.query("RecycleBinEntry")[1][0]
    world.backend.delete(world.ann, world.typedef("RecycleBinEntry"), entry.oid)
    assert world.store.get(entry.oid) is None
    assert world.store.get(s1.oid) is None and world.store.get(t1.oid) is None


def test_delete_errors(world: World) -> None:
    before = world.snapshot()
    with pytest.raises(NotFoundError) as err:
        world.backend.delete(world.ann, world.typedef("Defect"), 1234)
    assert err.value.errors == [errors.DELETE_NULL]
    with pytest.raises(NotFoundError):  # not visible to bob
        world.backend.delete(world.bob, world.typedef("Defect"), world.key("d1").oid)
    with pytest.raises(WsapiError) as err:
        world.backend.delete(
            world.ann, world.typedef("Project"), world.project("Alpha", "Root").oid
        )
    assert err.value.errors == [errors.not_deletable("Project")]
    assert world.snapshot() == before
    world.backend.delete(world.ann, world.typedef("Defect"), world.key("d1").oid)
    with pytest.raises(NotFoundError) as err:  # already in the bin
        world.backend.delete(world.ann, world.typedef("Defect"), world.key("d1").oid)
    assert err.value.errors == [errors.DELETE_NULL]


def test_delete_non_artifact_removes_row(world: World) -> None:
    tag = world.key("tag1")
    world.backend.delete(world.ann, world.typedef("Tag"), tag.oid)
    assert world.store.get(tag.oid) is None
    assert world.query("RecycleBinEntry")[0] == 0


# -- attachments ---------------------------------------------------------------------------------

PAYLOAD = b"hello attachment\n\x00\x01binary"


def add_attachment(world: World, **extra: object):
    encoded = base64.b64encode(PAYLOAD).decode()
    content, _ = world.create("AttachmentContent", {"Content": encoded})
    body = {
        "Name": "note.txt",
        "Content": f"attachmentcontent/{content.oid}",
        "ContentType": "application/octet-stream",
        "Size": 999,
        "User": f"user/{world.ann.oid}",
        "Artifact": f"defect/{world.key('d1').oid}",
    }
    body.update(extra)
    attachment, warnings = world.create("Attachment", body)
    return content, attachment, warnings


def test_attachment_flow(world: World) -> None:
    content, attachment, warnings = add_attachment(world)
    assert warnings == []
    assert base64.b64decode(content.data["Content"]) == PAYLOAD
    assert attachment.data["Size"] == len(PAYLOAD)  # computed, not trusted
    assert attachment.project == world.key("d1").project
    attr = world.typedef("Defect").attributes["Attachments"]
    assert world.backend.collection_count(world.key("d1"), attr) == 1
    # pyral deletes the content first, then the attachment, then rewrites Attachments
    world.backend.delete(world.ann, world.typedef("AttachmentContent"), content.oid)
    world.backend.delete(world.ann, world.typedef("Attachment"), attachment.oid)
    world.update(
        "Defect", world.key("d1").oid, {"ObjectID": world.key("d1").oid, "Attachments": []}
    )
    assert world.backend.collection_count(world.key("d1"), attr) == 0
    assert world.store.get(attachment.oid) is None and world.store.get(content.oid) is None


def test_attachment_content_must_be_base64(world: World) -> None:
    before = world.snapshot()
    for bad in ("not base64!", "abc", 12):
        with pytest.raises(ValidationError) as err:
            world.create("AttachmentContent", {"Content": bad})
        assert err.value.errors == [errors.ATTACHMENT_NOT_BASE64]
    with pytest.raises(ValidationError) as err:
        world.create("AttachmentContent", {})
    assert err.value.errors == [errors.not_null("AttachmentContent", "Content")]
    assert world.snapshot() == before


def test_attachment_size_limit() -> None:
    limit = errors.MAX_ATTACHMENT_BYTES
    just_over = "A" * ((limit // 3 + 1) * 4)
    with pytest.raises(ValueError) as err:
        decode_content(just_over)
    assert str(err.value) == errors.attachment_too_large((limit // 3 + 1) * 3)
    text, size = decode_content("aGVs\nbG8=\n")
    assert (text, size) == ("aGVsbG8=", 5)


def test_attachment_needs_link_and_content(world: World) -> None:
    before = world.snapshot()
    with pytest.raises(ValidationError) as err:
        world.create("Attachment", {"Name": "x", "ContentType": "text/plain"})
    assert errors.not_null("Attachment", "Content") in err.value.errors
    assert errors.ATTACHMENT_NOT_LINKED in err.value.errors
    assert world.snapshot() == before


# -- collection add / remove ---------------------------------------------------------------------


def test_collection_add_remove(world: World) -> None:
    d1 = world.key("d1")
    tag1, tag2 = world.key("tag1"), world.key("tag2")
    attr = world.typedef("Defect").attributes["Tags"]
    added = world.backend.collection_add(
        world.ann, d1, attr, [{"_ref": f"Tag/{tag1.oid}"}, f"tag/{tag2.oid}"]
    )
    assert [r.oid for r in added] == [tag1.oid, tag2.oid]
    again = world.backend.collection_add(world.ann, world.row(d1.oid), attr, [f"tag/{tag1.oid}"])
    assert [r.oid for r in again] == [tag1.oid]
    assert world.row(d1.oid).data["Tags"] == [tag1.oid, tag2.oid]
    removed = world.backend.collection_remove(
        world.ann, world.row(d1.oid), attr, [f"tag/{tag1.oid}"]
    )
    assert [r.oid for r in removed] == [tag1.oid]
    row = world.row(d1.oid)
    assert row.data["Tags"] == [tag2.oid] and row.version == d1.version + 3


def test_collection_add_inverse_and_errors(world: World) -> None:
    m1, d1 = world.key("m1"), world.key("d1")
    attr = world.typedef("Milestone").attributes["Artifacts"]
    world.backend.collection_add(world.ann, m1, attr, [f"defect/{d1.oid}"])
    assert world.row(d1.oid).data["Milestones"] == [m1.oid]
    world.backend.collection_remove(world.ann, world.row(m1.oid), attr, [f"defect/{d1.oid}"])
    assert world.row(d1.oid).data["Milestones"] == []
    before = world.snapshot()
    tags = world.typedef("Defect").attributes["Tags"]
    with pytest.raises(ValidationError) as err:  # wrong element type
        world.backend.collection_add(world.ann, world.row(d1.oid), tags, [f"defect/{d1.oid}"])
    assert "Tag" in err.value.errors[0]
    with pytest.raises(ValidationError):  # missing item
        world.backend.collection_add(world.ann, world.row(d1.oid), tags, ["tag/1"])
    tasks = world.typedef("HierarchicalRequirement").attributes["Tasks"]
    with pytest.raises(WsapiError) as err:
        world.backend.collection_add(
            world.ann, world.key("s1"), tasks, [f"task/{world.key('t1').oid}"]
        )
    assert err.value.errors == [errors.collection_read_only("HierarchicalRequirement", "Tasks")]
    assert world.snapshot() == before


# -- batch ---------------------------------------------------------------------------------------


def test_batch_entries_are_independent(world: World) -> None:
    d1 = world.key("d1")
    entries = [
        {"Entry": {"Path": "/defect/create", "Method": "PUT", "Body": {"defect": {"Name": "a"}}}},
        {
            "Entry": {
                "Path": "/defect/create",
                "Method": "PUT",
                "Body": {"defect": {"Nme": "no name"}},
            }
        },
        {
            "Entry": {
                "Path": f"/defect/{d1.oid}",
                "Method": "POST",
                "Body": {"defect": {"Name": "u1"}},
            }
        },
        {
            "Path": "/portfolioitem/feature/create",
            "Method": "POST",
            "Body": {"PortfolioItem/Feature": {"Name": "pf"}},
        },
        {"Entry": {"Path": f"/slm/webservice/v2.0/defect/{d1.oid}", "Method": "GET"}},
        {"Entry": {"Path": "/pullrequestx/create", "Method": "PUT", "Body": {}}},
        {"Entry": {"Path": f"/defect/{d1.oid}", "Method": "DELETE"}},
        "junk",
    ]
    results = world.backend.batch(world.ann, entries, workspace=world.ws("Alpha"), project=None)
    assert len(results) == len(entries)
    (
        (r0, e0, w0),
        (r1, e1, w1),
        (r2, e2, _),
        (r3, e3, _),
        (r4, e4, _),
        (r5, e5, _),
        (r6, e6, _),
        (r7, e7, _),
    ) = results
    assert e0 == [] and r0.data["Name"] == "a"
    assert r1 is None and errors.not_null("Defect", "Name") in e1
    assert w1 == [errors.ignored_element("defect", "Nme")]
    assert e2 == [] and r2.data["Name"] == "u1"
    assert e3 == [] and r3.type == "Feature"
    assert e4 == [] and r4.oid == d1.oid
    assert r5 is None and e5 == [errors.unknown_type("pullrequestx")]
    assert r6 is None and e6 == [] and world.row(d1.oid).recycled
    assert r7 is None and e7 and e7[0].startswith("Batch entry 7")
    # the failing entry stored nothing, the others stayed committed
    assert [r.data["Name"] for r in world.query("Defect")[1]] == ["a"]
