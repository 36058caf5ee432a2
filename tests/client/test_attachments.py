"""Rally attachment methods end to end against the emulator over HTTP."""

from __future__ import annotations

import os

import pytest

from pyral import RallyRESTAPIError
from pyral._attachments import MAX_ATTACHMENT_SIZE, check_attachment_file

ALL_BYTES = bytes(range(256))


@pytest.fixture
def binfile(tmp_path):
    path = tmp_path / "all-bytes.bin"
    path.write_bytes(ALL_BYTES)
    return str(path)


@pytest.fixture
def defect(wrally):
    return wrally.create("Defect", {"Name": "needs a log"})


def _methods(wire) -> list[str]:
    return [line.split(" ", 1)[0] for line in wire.lines()]


def test_add_by_entity_follows_pyrals_sequence(wrally, fresh_wire, defect, binfile):
    fresh_wire.reset()
    att = wrally.addAttachment(defect, binfile, mime_type="application/octet-stream")
    assert att.Name == "all-bytes.bin" and att.Size == 256
    assert att.ContentType == "application/octet-stream" and att.Artifact.oid == defect.oid
    lines = fresh_wire.lines()
    puts = [line for line in lines if line.startswith("PUT")]
    assert [p.split("?")[0] for p in puts] == [
        "PUT /slm/webservice/v2.0/attachmentcontent/create",
        "PUT /slm/webservice/v2.0/attachment/create",
    ]
    assert all("project=" not in p for p in puts)  # project=None, as pyral
    assert lines[0].startswith(f"GET /slm/webservice/v2.0/Defect/{defect.oid}/Attachments?")


def test_binary_round_trip_all_byte_values(wrally, defect, binfile):
    wrally.addAttachment(defect, binfile, mime_type="application/octet-stream")
    got = wrally.getAttachment(defect, "all-bytes.bin")
    assert got.Content == ALL_BYTES and isinstance(got.Content, bytes)
    assert wrally.getAttachmentNames(defect) == ["all-bytes.bin"]
    [only] = wrally.getAttachments(defect)
    assert only.Content == ALL_BYTES and only.Name == "all-bytes.bin"


def test_duplicate_add_returns_existing_without_upload(wrally, fresh_wire, defect, binfile):
    first = wrally.addAttachment(defect, binfile)
    fresh_wire.reset()
    again = wrally.addAttachment(defect, binfile)
    assert again.oid == first.oid
    assert "PUT" not in _methods(fresh_wire)
    assert wrally.getAttachmentNames(defect) == ["all-bytes.bin"]


def test_formatted_id_strings_resolve_through_schema_prefix(wrally, binfile):
    feature = wrally.get("Feature", fetch="FormattedID", project=None, limit=1).next()
    att = wrally.addAttachment(feature.FormattedID, binfile)  # 'F<n>': pyral raised KeyError
    assert att.Artifact.oid == feature.oid
    assert wrally.getAttachmentNames(feature.FormattedID) == ["all-bytes.bin"]
    defect = wrally.create("Defect", {"Name": "by id"})
    assert wrally.addAttachment(defect.FormattedID, binfile).Artifact.oid == defect.oid


def test_unknown_prefix_is_a_clear_error_before_any_upload(wrally, fresh_wire, binfile):
    fresh_wire.reset()
    with pytest.raises(RallyRESTAPIError, match=r"Unknown FormattedID prefix 'ZZ' in 'ZZ12'"):
        wrally.addAttachment("ZZ12", binfile)
    assert "PUT" not in _methods(fresh_wire)


def test_unknown_artifact_and_bad_identifiers(wrally, fresh_wire, binfile):
    fresh_wire.reset()
    assert wrally.addAttachment("DE999999", binfile) is False
    assert wrally.addAttachment("not an id", binfile) is False
    assert wrally.getAttachment("DE999999", "x") is False
    assert "PUT" not in _methods(fresh_wire)
    with pytest.raises(TypeError):
        wrally.addAttachment(12345, binfile)


def test_file_problems_are_refused_before_any_request(wrally, fresh_wire, defect, tmp_path):
    fresh_wire.reset()
    missing = str(tmp_path / "nope.txt")
    with pytest.raises(Exception, match=f"^Named attachment filename: {missing} not found$"):
        wrally.addAttachment(defect, missing)
    with pytest.raises(Exception, match="is not a regular file"):
        wrally.addAttachment(defect, str(tmp_path))
    big = tmp_path / "huge.log"
    with open(big, "wb") as handle:
        handle.truncate(MAX_ATTACHMENT_SIZE + 1)  # sparse: no 50 MB written
    with pytest.raises(
        Exception, match="^Attachment file size too large, unable to attach to Rally Artifact$"
    ):
        wrally.addAttachment(defect, str(big))
    with pytest.raises(Exception, match="not found"):
        wrally.addAttachment("DE1", missing)  # checked before the artifact lookup
    assert fresh_wire.count() == 0


def test_size_limit_boundary(tmp_path):
    exact = tmp_path / "exact.bin"
    with open(exact, "wb") as handle:
        handle.truncate(MAX_ATTACHMENT_SIZE)
    assert check_attachment_file(str(exact)) == MAX_ATTACHMENT_SIZE == 50_000_000


def test_test_case_result_attachments(wrally, binfile):
    tcr = wrally.get("TestCaseResult", fetch=True, project=None, limit=1).next()
    att = wrally.addAttachment(tcr, binfile, mime_type="application/octet-stream")
    assert att.TestCaseResult.oid == tcr.oid and att.Artifact is None
    assert wrally.getAttachment(tcr, "all-bytes.bin").Content == ALL_BYTES


def test_add_attachments_guide_and_pyral_forms(wrally, defect, binfile, capsys):
    specs = [
        {"name": "file1.txt", "content": "text content"},
        {"name": "copy.pdf", "path": binfile},
        {"Name": binfile, "mime_type": "application/x-raw"},
    ]
    assert wrally.addAttachments(defect, specs) is True
    by_name = {a.Name: a for a in wrally.getAttachments(defect)}
    assert by_name["file1.txt"].Content == b"text content"
    assert by_name["file1.txt"].ContentType == "text/plain"  # guessed from the name
    assert by_name["copy.pdf"].ContentType == "application/pdf" and by_name["copy.pdf"].Size == 256
    assert by_name["all-bytes.bin"].ContentType == "application/x-raw"
    # pyral's form without a MIME type is skipped with its notice, and the result is False
    other = wrally.create("Defect", {"Name": "partial"})
    assert (
        wrally.addAttachments(other, [{"Name": binfile}, {"name": "a.txt", "content": b"A"}])
        is False
    )
    assert f"Bypassing attachment for {binfile}, no mime_type/ContentType setting..." in (
        capsys.readouterr().out
    )
    assert wrally.getAttachmentNames(other) == ["a.txt"]


def test_add_attachments_validates_everything_first(wrally, fresh_wire, defect, tmp_path):
    fresh_wire.reset()
    specs = [{"name": "ok.txt", "content": "fine"}, {"name": "gone", "path": str(tmp_path / "x")}]
    with pytest.raises(Exception, match="not found"):
        wrally.addAttachments(defect, specs)
    with pytest.raises(RallyRESTAPIError, match="must be str or bytes"):
        wrally.addAttachments(defect, [{"name": "n", "content": 42}])
    assert fresh_wire.count() == 0


def test_get_missing_attachment_and_empty_lists(wrally, defect):
    assert wrally.getAttachment(defect, "nothing.txt") is None
    assert wrally.getAttachmentNames(defect) == []
    assert wrally.getAttachments(defect) == []


def test_delete_attachment(wrally, fresh_wire, defect, binfile, capsys):
    content_oid = wrally.addAttachment(defect, binfile).Content.oid
    wrally.addAttachments(defect, [{"name": "keep.txt", "content": "keep"}])
    fresh_wire.reset()
    updated = wrally.deleteAttachment(defect, binfile)
    assert updated.oid == defect.oid and [a.Name for a in updated.Attachments] == ["keep.txt"]
    methods = _methods(fresh_wire)
    assert methods.count("DELETE") == 2 and "POST" in methods
    assert wrally.getAttachmentNames(defect) == ["keep.txt"]
    with pytest.raises(RallyRESTAPIError, match="Unreferenceable"):
        wrally._read_back("AttachmentContent", content_oid, [])
    capsys.readouterr()
    # Nothing of that name (any more), no such artifact: False and nothing printed, as pyral.
    assert wrally.deleteAttachment(defect, "all-bytes.bin") is False
    assert wrally.deleteAttachment(defect, "absent.txt") is False
    assert wrally.deleteAttachment("DE999999", "absent.txt") is False
    assert capsys.readouterr() == ("", "")


def test_failed_attachment_create_removes_its_content(wrally, fresh_wire, defect, binfile):
    fresh_wire.reset()
    with pytest.raises(RallyRESTAPIError, match="ContentType should not be null"):
        wrally.addAttachment(defect, binfile, mime_type="")
    content_create = [r for r in fresh_wire.requests if r.path.endswith("attachmentcontent/create")]
    deletes = [r for r in fresh_wire.requests if r.method == "DELETE"]
    assert len(content_create) == 1 and len(deletes) == 1 and deletes[0].status == 200
    assert "/attachmentcontent/" in deletes[0].path
    assert wrally.getAttachmentNames(defect) == []
    assert os.path.exists(binfile)  # nothing local touched either


def _doc_example(name: str) -> str:
    import pathlib
    import re

    text = (pathlib.Path(__file__).parents[2] / "docs" / name).read_text()
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


def test_docs_page_example_runs(capsys):
    exec(compile(_doc_example("attachments.md"), "docs/attachments.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "build.log 41 text/plain"
    assert out[-1] == "['build.log', 'copy.log']"


def test_attach_log_example_script(capsys):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).parents[2] / "examples" / "attach_log.py"
    spec = importlib.util.spec_from_file_location("attach_log_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([]) == 0
    out = capsys.readouterr().out
    assert "Attached build-4711.log" in out and "intact=True" in out


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02"
    b"\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_attachments_of_the_artifact_carry_the_bytes(wrally, defect, tmp_path):
    """After getAttachment(s) the artifact's own Attachment objects hold the bytes (pyral)."""
    (tmp_path / "pixel.png").write_bytes(PNG)
    (tmp_path / "note.txt").write_bytes(b"note")
    wrally.addAttachment(defect, str(tmp_path / "pixel.png"), mime_type="image/png")
    wrally.addAttachment(defect, str(tmp_path / "note.txt"))
    art = wrally.get("Defect", fetch=True, query=f"ObjectID = {defect.oid}", instance=True)
    # Before: each Content is the AttachmentContent entity, as in pyral 1.7.0.
    assert [type(a.Content).__name__ for a in art.Attachments] == ["AttachmentContent"] * 2
    assert all(a._hydrated for a in art.Attachments)
    got = wrally.getAttachments(art)
    assert [g is a for g, a in zip(got, art.Attachments, strict=True)] == [True, True]
    assert [a.Content for a in art.Attachments] == [PNG, b"note"]
    # Byte-exact PNG, also through a fresh read and a single getAttachment.
    again = wrally.get("Defect", fetch=True, query=f"ObjectID = {defect.oid}", instance=True)
    pixel = wrally.getAttachment(again, "pixel.png")
    assert pixel is again.Attachments[0] and pixel.Content == PNG
    assert type(again.Attachments[1].Content).__name__ == "AttachmentContent"
    # A second read works (pyral 1.7.0 failed on the bytes left by the first).
    assert wrally.getAttachment(again, "pixel.png").Content == PNG


def test_get_attachments_installs_a_pending_collection(wrally, defect, binfile):
    wrally.addAttachment(defect, binfile)
    art = wrally.get("Defect", fetch=True, query=f"ObjectID = {defect.oid}", instance=True)
    assert "Attachments" not in art.__dict__  # still a pending collection
    [att] = wrally.getAttachments(art)
    assert art.Attachments == [att] and art.Attachments[0].Content == ALL_BYTES
