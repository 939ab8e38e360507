"""Evaluates cutover's rollout flag in-process through the real OpenFeature Python SDK and
flagd's in-process provider, which syncs the flag configuration from cutover's flagd sync
service (gRPC) and evaluates it locally (fractional-v3). Prints one JSON line per unit, then
{"keyless": value} for a request without a targetingKey, then {"ready": true}; afterwards, each time a line "again" arrives on stdin, evaluates every unit
again once the provider reports a configuration change, and prints them.

Usage: flagd_units.py HOST PORT ROLLOUT COHORT FIRST COUNT
With FLAGD_CA set to a CA certificate (PEM), the provider connects over TLS and trusts it.
"""

import json
import os
import sys
import threading
import time

from openfeature import api
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType
from openfeature.evaluation_context import EvaluationContext
from openfeature.event import ProviderEvent
from openfeature.provider import ProviderStatus


def main() -> None:
    host, port, rollout, cohort, first, count = sys.argv[1:7]
    changed = threading.Event()
    ca = os.environ.get("FLAGD_CA")
    api.set_provider(
        FlagdProvider(
            host=host,
            port=int(port),
            resolver_type=ResolverType.IN_PROCESS,
            tls=ca is not None,
            cert_path=ca,
        )
    )
    client = api.get_client()
    deadline = time.monotonic() + 60
    while client.get_provider_status() != ProviderStatus.READY:
        if time.monotonic() > deadline:
            sys.exit(f"the flagd provider is {client.get_provider_status()}, not ready")
        time.sleep(0.05)
    client.add_handler(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED, lambda _: changed.set())

    def evaluate_all() -> None:
        for i in range(int(first), int(first) + int(count)):
            unit = f"unit-{i}"
            context = EvaluationContext(targeting_key=unit, attributes={"cohort": cohort})
            # The code default is legacy: whatever goes wrong, the app stays on the old system.
            d = client.get_string_details(rollout, "legacy", context)
            print(json.dumps({"unit": unit, "value": d.value, "variant": d.variant,
                              "reason": str(d.reason), "error": str(d.error_code) if d.error_code else None}))
        # A request without a unit: nothing to bucket, so the code default.
        d = client.get_string_details(rollout, "legacy", EvaluationContext(attributes={"cohort": cohort}))
        print(json.dumps({"keyless": d.value, "reason": str(d.reason)}))
        print(json.dumps({"ready": True}), flush=True)

    evaluate_all()
    for line in sys.stdin:
        if line.strip() == "again":
            changed.wait(timeout=60)
            changed.clear()
            evaluate_all()
    api.shutdown()


if __name__ == "__main__":
    main()
