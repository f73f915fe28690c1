// cvss_scores.js: base scores of CVSS vectors from ae-cvss-calculator (an
// independent implementation of the FIRST specifications), for
// test_review_interop.sh. Reads one vector a line on stdin, prints
// "VECTOR SCORE" with one decimal.
//
//   node cvss_scores.js NPM_DIR < vectors
'use strict';
const path = require('path');
const readline = require('readline');
const cvss = require(path.join(process.argv[2], 'node_modules', 'ae-cvss-calculator'));

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (vector) => {
  let v;
  if (vector.startsWith('CVSS:3.1/')) v = new cvss.Cvss3P1(vector);
  else if (vector.startsWith('CVSS:3.0/')) v = new cvss.Cvss3P0(vector);
  else v = new cvss.Cvss2(vector);
  console.log(`${vector} ${v.calculateScores().base.toFixed(1)}`);
});
