// A browser app's view of cutover's rollout, run in Node: the OpenFeature web SDK with the
// OFREP web provider (bulk evaluation, ETag/304, server-sent events through an EventSource
// polyfill). Evaluates the rollout flag for COUNT units (one context at a time, as each
// browser has one user), prints one JSON line per unit, then keeps the context of the last
// unit on enhanced, prints {"ready": value, "unit": ...} and, whenever the event stream makes
// it fetch flags that changed, {"changed": value, "reason", "killed"}.
// Usage: node ofrep_web_follow.mjs BASE_URL TOKEN ROLLOUT COHORT FIRST COUNT
import { EventSource } from 'eventsource';
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';

globalThis.EventSource = EventSource;
const [base, token, rollout, cohort, first, count] = process.argv.slice(2);
const provider = new OFREPWebProvider({
  baseUrl: base,
  headers: [['Authorization', `Bearer ${token}`]],
  cacheMode: 'disabled',
  changeDetection: 'sse',
  pollInterval: 0,
});
const last = Number(first) + Number(count) - 1;
await OpenFeature.setContext({ targetingKey: `unit-${first}`, cohort });
await OpenFeature.setProviderAndWait(provider);
const client = OpenFeature.getClient();
for (let i = Number(first); i <= last; i++) {
  const unit = `unit-${i}`;
  await OpenFeature.setContext({ targetingKey: unit, cohort });
  const d = client.getStringDetails(rollout, 'legacy');
  console.log(JSON.stringify({ unit, value: d.value, variant: d.variant, reason: d.reason, error: d.errorCode ?? null }));
}
let watched = `unit-${last}`;
for (let i = last; i >= Number(first); i--) {
  await OpenFeature.setContext({ targetingKey: `unit-${i}`, cohort });
  if (client.getStringValue(rollout, 'legacy') === 'enhanced') {
    watched = `unit-${i}`;
    break;
  }
}
client.addHandler(ProviderEvents.ConfigurationChanged, () => {
  const now = client.getStringDetails(rollout, 'legacy');
  console.log(JSON.stringify({ changed: now.value, reason: now.reason, killed: now.flagMetadata?.killed ?? null }));
});
console.log(JSON.stringify({ ready: client.getStringValue(rollout, 'legacy'), unit: watched }));
