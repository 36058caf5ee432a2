"""Settings shared by the whole suite.

Hypothesis profile: no ``deadline`` and no "too slow" health check.  None of the properties
here is about speed, and on a busy machine (CI, a laptop compiling something) a single slow
example would otherwise fail a correct test.  Speed is measured in benchmarks/ instead.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "pyral", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("pyral")
