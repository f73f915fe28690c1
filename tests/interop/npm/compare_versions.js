// compare_versions.js: node-semver's verdict on pairs of versions.
//
// Usage: node compare_versions.js PAIRS_FILE
// Each line of PAIRS_FILE is "a<TAB>b". Prints one line per pair: "<", "="
// or ">" for semver.compare(a, b), or "invalid" when semver.valid() refuses
// either version (strict parsing, not loose). The same format as
// tests/interop/version_pairs, so that the two outputs compare with cmp.
'use strict';
const fs = require('fs');
const semver = require('semver');

const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n');
const out = [];
for (const line of lines) {
  if (line === '') continue;
  const tab = line.indexOf('\t');
  const a = line.slice(0, tab);
  const b = line.slice(tab + 1);
  if (semver.valid(a) === null || semver.valid(b) === null) {
    out.push('invalid');
    continue;
  }
  const c = semver.compare(a, b);
  out.push(c < 0 ? '<' : c > 0 ? '>' : '=');
}
process.stdout.write(out.join('\n') + '\n');
