// sbom_validate.js: validate SPDX 2.3 / CycloneDX 1.6 / SARIF 2.1.0 JSON
// documents against the official schemas with ajv (draft-07; ajv-draft-04 for
// SARIF's draft-04 schema) and ajv-formats, an implementation independent of
// waybill.
//
//   node sbom_validate.js NPM_DIR SCHEMA_DIR FILE...
//
// NPM_DIR holds node_modules/ with ajv and ajv-formats (installed with npm ci
// from tests/interop/npm/package-lock.json). Every *.json of SCHEMA_DIR is
// added so references resolve by $id; the first file whose name starts with
// "bom-", "spdx-schema" or "sarif-schema" is the root. Prints "valid FILE" or the errors
// and exits 1 when any file is invalid.
'use strict';
const fs = require('fs');
const path = require('path');

const [npmDir, schemaDir, ...files] = process.argv.slice(2);
const Ajv = require(path.join(npmDir, 'node_modules', 'ajv'));
const addFormats = require(path.join(npmDir, 'node_modules', 'ajv-formats'));

const names = fs.readdirSync(schemaDir).sort().filter((n) => n.endsWith('.json'));
const draft04 = names.some((n) =>
  JSON.parse(fs.readFileSync(path.join(schemaDir, n), 'utf8')).$schema ===
    'http://json-schema.org/draft-04/schema#');
const AjvClass = draft04 ? require(path.join(npmDir, 'node_modules', 'ajv-draft-04')) : Ajv;
const ajv = new AjvClass({ allErrors: true, strict: false });
addFormats(ajv);
// ajv-formats has no checker for these two (IRIs and internationalized e-mail
// addresses, used by CycloneDX); waybill writes neither, so accept them.
ajv.addFormat('iri-reference', true);
ajv.addFormat('idn-email', true);
let root = null;
for (const name of names) {
  const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, name), 'utf8'));
  ajv.addSchema(schema);
  if (!root && (name.startsWith('bom-') || name.startsWith('spdx-schema') ||
                name.startsWith('sarif-schema')))
    root = schema.$id || schema.id;
}
const validate = ajv.getSchema(root);
let failed = 0;
for (const file of files) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (validate(doc)) {
    console.log(`valid ${file}`);
  } else {
    failed++;
    console.log(`invalid ${file}:`);
    for (const e of validate.errors.slice(0, 20)) console.log(`  ${e.instancePath} ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
