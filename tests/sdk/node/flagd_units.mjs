// Evaluates cutover's rollout flag in-process through the real OpenFeature server SDK for
// JavaScript and flagd's in-process provider (flagd-core 4.x: fractional-v2), which syncs the
// flag configuration from cutover's flagd sync service over gRPC and evaluates it locally.
// Prints one JSON line per unit, then {"keyless": value} for a request without a targetingKey,
// then {"ready": true}; each time a line "again" arrives on
// stdin, waits for the provider's next configuration change, evaluates every unit again and
// prints them.
// Usage: node flagd_units.mjs HOST PORT ROLLOUT COHORT FIRST COUNT
import readline from 'node:readline';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { FlagdProvider } from '@openfeature/flagd-provider';

const [host, port, rollout, cohort, first, count] = process.argv.slice(2);
await OpenFeature.setProviderAndWait(new FlagdProvider({ host, port: Number(port), resolverType: 'in-process' }));
const client = OpenFeature.getClient();
let changed = null;
client.addHandler(ProviderEvents.ConfigurationChanged, () => changed?.());

async function evaluateAll() {
  for (let i = Number(first); i < Number(first) + Number(count); i++) {
    const unit = `unit-${i}`;
    // The code default is legacy: whatever goes wrong, the app stays on the old system.
    const d = await client.getStringDetails(rollout, 'legacy', { targetingKey: unit, cohort });
    console.log(JSON.stringify({ unit, value: d.value, variant: d.variant, reason: d.reason, error: d.errorCode ?? null }));
  }
  // A request without a unit: nothing to bucket, so the code default.
  const keyless = await client.getStringDetails(rollout, 'legacy', { cohort });
  console.log(JSON.stringify({ keyless: keyless.value, reason: keyless.reason }));
  console.log(JSON.stringify({ ready: true }));
}

let next = new Promise((resolve) => (changed = resolve));
await evaluateAll();
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line.trim() === 'again') {
    await Promise.race([next, new Promise((r) => setTimeout(r, 60000))]);
    next = new Promise((resolve) => (changed = resolve));
    await evaluateAll();
  }
}
await OpenFeature.close();
