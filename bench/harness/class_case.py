"""The case a class works on: a complete favorable child whose end-of-induction MRD each client changes
back and forth, and the group the page must then show. Used by tests/test_load.py (the class tests),
bench/run_all.py (the class benchmark) and bench/browser_latency.py (one browser).
"""

from __future__ import annotations

# The shared link's query string; `age` gives each client of a class its own case.
CLASS_QUERY = "age_years={age}&wbc_10e9_per_l=12&genetics=etv6_runx1&cns_status=CNS1&mrd_eoi_percent=0"
MRD_LABEL = "End-of-induction MRD value (%)"  # the calculator's end-of-induction MRD text input
MRD_KEY = "in_mrd_eoi_percent"  # the same input's widget key
CLASS_STEPS = (("0.05", "High"), ("0", "Favorable"))  # (MRD value, the group the badge must then show)
