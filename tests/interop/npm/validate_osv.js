// validate_osv.js: check OSV records against the OSV JSON schema with ajv.
//
// Usage: node validate_osv.js SCHEMA valid|invalid FILE...
// With "valid" every FILE must validate, with "invalid" none may. Prints
// one line per file ("ok FILE" or "FAIL FILE: reason") and exits 1 when a
// file did not behave as expected. The schema is JSON Schema 2020-12, read
// from disk: nothing is fetched.
'use strict';
const fs = require('fs');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

const [schemaPath, expect, ...files] = process.argv.slice(2);
if (!schemaPath || (expect !== 'valid' && expect !== 'invalid') || files.length === 0) {
  console.error('usage: node validate_osv.js SCHEMA valid|invalid FILE...');
  process.exit(2);
}
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
let failed = 0;
for (const file of files) {
  const ok = validate(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (ok === (expect === 'valid')) {
    console.log(`ok ${file}`);
  } else {
    failed++;
    const why = ok ? 'accepted by the schema' : ajv.errorsText(validate.errors);
    console.log(`FAIL ${file}: ${why}`);
  }
}
process.exit(failed ? 1 : 0);
