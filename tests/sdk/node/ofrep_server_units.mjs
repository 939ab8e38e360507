// Evaluates cutover's rollout flag for units through the real OpenFeature server SDK for
// JavaScript and its OFREP provider; prints one JSON line per unit.
// Usage: node ofrep_server_units.mjs BASE_URL TOKEN ROLLOUT COHORT FIRST COUNT
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';

const [base, token, rollout, cohort, first, count] = process.argv.slice(2);
await OpenFeature.setProviderAndWait(
  new OFREPProvider({ baseUrl: base, headers: [['Authorization', `Bearer ${token}`]] }),
);
const client = OpenFeature.getClient();
for (let i = Number(first); i < Number(first) + Number(count); i++) {
  const unit = `unit-${i}`;
  // The code default is legacy: whatever goes wrong, the app stays on the old system.
  const d = await client.getStringDetails(rollout, 'legacy', { targetingKey: unit, cohort });
  console.log(JSON.stringify({ unit, value: d.value, variant: d.variant, reason: d.reason, error: d.errorCode ?? null }));
}
await OpenFeature.close();
