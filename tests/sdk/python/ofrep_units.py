"""Evaluates cutover's rollout flag for units through the real OpenFeature Python SDK and its
OFREP provider, and prints one JSON line per unit: {"unit", "value", "variant", "reason"}.

Usage: ofrep_units.py BASE_URL TOKEN ROLLOUT COHORT FIRST COUNT
"""

import json
import sys

from openfeature import api
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext


def main() -> None:
    base, token, rollout, cohort, first, count = sys.argv[1:7]
    api.set_provider(
        OFREPProvider(base, headers_factory=lambda: {"Authorization": f"Bearer {token}"})
    )
    client = api.get_client()
    for i in range(int(first), int(first) + int(count)):
        unit = f"unit-{i}"
        context = EvaluationContext(targeting_key=unit, attributes={"cohort": cohort})
        # The code default is legacy: whatever goes wrong, the app stays on the old system.
        details = client.get_string_details(rollout, "legacy", context)
        print(
            json.dumps(
                {
                    "unit": unit,
                    "value": details.value,
                    "variant": details.variant,
                    "reason": str(details.reason),
                    "error": str(details.error_code) if details.error_code else None,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
