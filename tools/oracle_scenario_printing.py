"""Printed forms and drop-in details, run unchanged under pyral 1.7.0 and under this project.

Issue 7, items 4, 5, 6, 7 and 9: what ``details()`` and a type definition print, attachments
read through ``artifact.Attachments``, revision history items, batch items shaped like pyral's
entities with pyral's validation messages, and silence where pyral prints nothing.  Like
``oracle_scenario.py`` it prints only what both libraries should agree on, against a fresh
demo emulator; seeded objects are printed in full (their values are fixed), objects this
script creates only through fields that do not depend on the clock.  Usage:

    python oracle_scenario_printing.py HOST:PORT APIKEY USER PASSWORD
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import sys
import tempfile
import types
import warnings

warnings.filterwarnings("ignore")  # urllib3's InsecureRequestWarning for the self-signed cert

from pyral import Rally  # noqa: E402

# A complete 1x1 PNG: binary content with every troublesome byte class (NUL, CR, LF, high bit).
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02"
    b"\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


@dataclasses.dataclass
class Tracked:
    """A dataclass modelled on a pyral entity: its identity next to Rally data."""

    oid: object
    Name: str


def show(label: str, value: object) -> None:
    print(f"{label}: {value}")


def section(title: str) -> None:
    print(f"\n=== {title}")


def silent(call):  # type: ignore[no-untyped-def]
    """Run ``call``; return (its result, what it wrote to stdout and stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        result = call()
    return result, out.getvalue() + err.getvalue()


def printed_forms(rally: Rally) -> None:
    section("details of seeded items")
    for entity in ("Defect", "HierarchicalRequirement", "Feature", "Task", "TestCase", "Tag"):
        order = "Name" if entity == "Tag" else "FormattedID"
        print(rally.get(entity, fetch=True, order=order, project=None).next().details())
    task = rally.get(
        "Task", fetch="Name,State,WorkProduct,Owner", order="FormattedID", project=None
    ).next()
    print(task.details())
    shell = rally.get("Defect", fetch=False, order="FormattedID", project=None).next()
    print(shell.details())  # a shell loads itself, as in pyral
    user = rally.getUserInfo(username="demo@example.com")[0]
    print(user.details())
    print(user.UserProfile.details())

    section("type definitions")
    for name in ("Defect", "HierarchicalRequirement", "Feature", "Task", "Project", "Tag"):
        print(rally.typedef(name))


def revisions(rally: Rally) -> None:
    section("revision history")
    defect = rally.get("Defect", fetch=True, order="FormattedID", project=None).next()
    history = defect.RevisionHistory
    show("history", (type(history).__name__, history.Name))
    for rev in history.Revisions:
        show(
            "revision",
            (
                type(rev).__name__,
                rev._hydrated,
                rev.RevisionNumber,
                rev.Description,
                rev.CreationDate,
                rev.User.UserName,
            ),
        )
        print(rev.info())
        print(rev.details())
    print(defect.details())  # the loaded history now shows as a reference


def attachments(rally: Rally) -> None:
    section("attachments")
    defect = rally.create("Defect", {"Name": "Oracle attachment holder"})
    folder = tempfile.mkdtemp()
    for name, data in (("pixel.png", PNG), ("note.txt", b"plain note\r\n")):
        path = os.path.join(folder, name)
        with open(path, "wb") as handle:
            handle.write(data)
        mime = "image/png" if name.endswith(".png") else "text/plain"
        rally.addAttachment(defect, path, mime_type=mime)
    defect = rally.get(
        "Defect", fetch=True, query=f"ObjectID = {defect.oid}", instance=True, project=None
    )
    show("before", [(a.Name, type(a.Content).__name__, a._hydrated) for a in defect.Attachments])
    content = defect.Attachments[0].Content
    show("content entity", (type(content.Content).__name__, content._hydrated))
    got = rally.getAttachments(defect)
    show("same objects", [g is a for g, a in zip(got, defect.Attachments, strict=True)])
    show(
        "after",
        [
            (a.Name, type(a.Content).__name__, a.Content == d)
            for a, d in zip(got, (PNG, None), strict=True)
        ],
    )
    show("png byte-exact", defect.Attachments[0].Content == PNG)
    show("note", defect.Attachments[1].Content)
    again = rally.get(
        "Defect", fetch=True, query=f"ObjectID = {defect.oid}", instance=True, project=None
    )
    one = rally.getAttachment(again, "note.txt")
    show("getAttachment", (one is again.Attachments[1], one.Content))
    show("untouched", type(again.Attachments[0].Content).__name__)

    section("silence")
    result, printed = silent(lambda: rally.deleteAttachment(again, "absent.txt"))
    show("delete absent", (result, printed))
    result, printed = silent(lambda: rally.deleteAttachment("DE99999", "absent.txt"))
    show("delete from no artifact", (result, printed))


def batches(rally: Rally) -> None:
    section("batch items")
    made = rally.createMultiple("Defect", [Tracked(None, "Oracle dc 1"), Tracked(None, "dc 2")])
    show("created", [(r["Name"], type(r["ObjectID"]).__name__) for r in made])
    oids = [int(r["ObjectID"]) for r in made]
    renamed = rally.updateMultiple(
        "Defect",
        [Tracked(o, f"Oracle dc renamed {i}") for i, o in enumerate(oids)],
        fields=["Name"],
    )
    show("updated by oid", [r["Name"] for r in renamed])
    plain = [types.SimpleNamespace(Name="Oracle plain", oid=None)]
    show("created from a plain object", [r["Name"] for r in rally.createMultiple("Defect", plain)])
    plain = [types.SimpleNamespace(oid=o, Name="Oracle plain renamed") for o in oids]
    plain_done = rally.updateMultiple("Defect", plain, fields=["Name"])
    show("updated from plain objects", [r["Name"] for r in plain_done])
    with_oid = rally.createMultiple("Defect", [Tracked(12345, "Oracle dc with oid")])
    show("created, oid ignored", [r["Name"] for r in with_oid])
    fid = made[0]["FormattedID"]
    refused = [
        ("FormattedID", [{"ObjectID": oids[0], "FormattedID": fid, "Name": "x"}], None),
        ("with fields", [{"ObjectID": oids[0], "FormattedID": fid}], ["FormattedID"]),
        ("CreationDate", [{"ObjectID": o, "CreationDate": "2020-01-01"} for o in oids], None),
        ("Tags", [{"ObjectID": oids[0], "Tags": []}], None),
        ("unknown", [{"ObjectID": oids[0], "Bogus": 1}], None),
        ("mistyped", [{"ObjectID": oids[0], "Blocked": "maybe"}], None),
    ]
    for label, items, fields in refused:
        try:
            rally.updateMultiple("Defect", items, fields=fields)
            show(f"update {label}", "accepted")
        except Exception as exc:  # the class name and text are what scripts see
            show(f"update {label}", (type(exc).__name__, str(exc)))
    kept = rally.updateMultiple(
        "Defect",
        [{"ObjectID": oids[0], "FormattedID": fid, "Name": "Oracle kept"}],
        fields=["Name"],
    )
    show("FormattedID left out by fields", [r["Name"] for r in kept])
    for label, items in (
        ("read-only", [{"Name": "x", "FormattedID": "DE1"}]),
        ("missing", [{"Severity": "Cosmetic"}]),
        ("mistyped", [{"Name": "x", "Blocked": "maybe"}]),
    ):
        try:
            rally.createMultiple("Defect", items)
            show(f"create {label}", "accepted")
        except Exception as exc:
            show(f"create {label}", (type(exc).__name__, str(exc)))


class _HostMasked(io.TextIOBase):
    """stdout with the emulator's address replaced: each side runs on its own port."""

    def __init__(self, stream: io.TextIOBase, host_port: str) -> None:
        self.stream, self.host_port = stream, host_port

    def write(self, text: str) -> int:
        self.stream.write(text.replace(self.host_port, "HOST:PORT"))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def main() -> None:
    server, apikey = sys.argv[1:3]
    sys.stdout = _HostMasked(sys.stdout, server)  # type: ignore[assignment]
    rally = Rally(server, apikey=apikey, verify_ssl_cert=False)
    printed_forms(rally)
    revisions(rally)
    attachments(rally)
    batches(rally)


if __name__ == "__main__":
    main()
