"""Hypothesis profiles for the property tests and the schemathesis run.

`HYPOTHESIS_PROFILE=ci` (the default) fits the suite's time; `HYPOTHESIS_PROFILE=long` is the
documented long run (docs/design.md#bad-input-at-scale): 10,000 payloads per socket event, 2,000
bodies per JSON operation, 100 schemathesis examples per operation and caller.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Examples per test, by what the test feeds: socket events (cheap), JSON bodies, schemathesis.
SIZES = {
    "ci": {"events": 60, "bodies": 25, "schemathesis": 6},
    "long": {"events": 10_000, "bodies": 2_000, "schemathesis": 100},
}

for _name, _sizes in SIZES.items():
    settings.register_profile(
        _name,
        max_examples=_sizes["events"],
        deadline=None,  # never a wall-clock threshold in a test
        database=None,  # nothing written into the work tree; a failure prints its reproduction
        print_blob=True,
        # The app and its database are per test (function-scoped), shared by a test's examples.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def sized(kind: str) -> settings:
    """Settings for a test feeding `kind` ("events", "bodies", "schemathesis") under the profile."""
    return settings(max_examples=SIZES.get(PROFILE, SIZES["ci"])[kind])
