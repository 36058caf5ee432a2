"""The Lookback API (analytics v2.0 snapshots) of the emulator.

* :mod:`.storage` keeps one snapshot per artifact and interval, written in the same
  transaction as every create, update and delete;
* :mod:`.seeding` gives seeded artifacts their (optionally dated) history;
* :mod:`.find` compiles the Mongo-style ``find`` language to SQL;
* :mod:`.service` runs a snapshot query and builds the response envelope;
* :mod:`.handler` is the HTTP glue (``POST``/``GET .../artifact/snapshot/query.js``).
"""
