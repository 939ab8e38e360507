// Checks flag configurations against flagd's flags.json schema, as flagd-core itself does
// with strict validation on (its precompiled validator of flagd-schemas). Reads one JSON
// configuration per line on stdin; prints {"ok": true} or {"ok": false, "error": …} for each.
import readline from 'node:readline';
import { MemoryStorage } from '@openfeature/flagd-core';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
for await (const line of readline.createInterface({ input: process.stdin })) {
  try {
    new MemoryStorage(quiet).setConfigurations(line, true);
    console.log(JSON.stringify({ ok: true }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, error: String(e.message ?? e) }));
  }
}
