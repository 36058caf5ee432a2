"""Internals of the ``pyral`` command line (the entry point is :mod:`pyral.cli`).

Split by concern so each part can be read and tested alone: ``connection`` turns options into
a ``Rally``, ``schema`` answers type questions from one schema download, ``locate`` finds items
and references, ``values`` turns ``Field=Value`` text into a request body, ``render`` writes
results, and ``commands`` holds one function per subcommand.
"""
