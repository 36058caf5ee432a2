"""Print pyral 1.7.0's printed forms for the demo data: the goldens of the printing tests.

Run with the oracle interpreter (pyral 1.7.0 installed) against an emulator started with
``--demo --tls``; it writes ``<name>.txt`` files with the emulator's address replaced by
``{URL}``.  ``tests/client/test_printed_forms.py`` compares this project's output with them,
and its ``oracle``-marked test regenerates them to check they are still pyral's.

    python oracle_printing_golden.py HOST:PORT APIKEY OUTDIR
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")  # urllib3's InsecureRequestWarning for the self-signed cert

from pyral import Rally  # noqa: E402


def main() -> None:
    server, apikey, outdir = sys.argv[1:4]
    rally = Rally(server, apikey=apikey, verify_ssl_cert=False)

    def save(name: str, text: str) -> None:
        masked = text.replace(f"https://{server}", "{URL}")
        Path(outdir, f"{name}.txt").write_text(masked + "\n", encoding="utf-8")

    first = {"fetch": True, "order": "FormattedID", "project": None}
    defect = rally.get("Defect", **first).next()
    save("defect-details", defect.details())
    save("feature-details", rally.get("Feature", **first).next().details())
    user = rally.getUserInfo(username="demo@example.com")[0]
    save("user-details", user.details())
    save("userprofile-details", user.UserProfile.details())
    revision = defect.RevisionHistory.Revisions[0]
    save("revision-details", revision.details())
    save("revision-info", revision.info())
    save("typedef-defect", str(rally.typedef("Defect")))
    save("typedef-feature", str(rally.typedef("Feature")))


if __name__ == "__main__":
    main()
