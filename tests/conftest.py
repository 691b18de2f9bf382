import os

from hypothesis import HealthCheck, settings

# Shared machines are noisy: no per-example deadline, no "too slow" health check.
# In CI, examples are derandomized so a red run can be replayed exactly.
settings.register_profile(
    "evotune",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("evotune")
