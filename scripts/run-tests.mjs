#!/usr/bin/env node
// Runs the compiled tests with node's test runner, given as an explicit file list (a directory or a
// quoted glob runs 0 tests on Node 20 and exits 0). Fails when there are no test files or when the
// runner reports `# tests 0`.
//   node scripts/run-tests.mjs [--unit] [FILTER...]
// --unit leaves out test/integration and the fuzz tests; FILTER keeps files whose path contains it.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const unitOnly = args.includes("--unit");
const filters = args.filter((a) => !a.startsWith("--"));

function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (p.endsWith(".test.js")) out.push(p);
  }
  return out;
}

let files = walk("dist/test").sort();
if (unitOnly) files = files.filter((f) => !f.includes("/integration/") && !f.includes(".fuzz."));
if (filters.length > 0) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error("run-tests: no test files found");
  process.exit(1);
}

const child = spawn(process.execPath, ["--test", "--test-reporter=tap", "--test-concurrency=2", ...files], {
  stdio: ["ignore", "pipe", "inherit"],
});
let tail = "";
child.stdout.on("data", (d) => {
  process.stdout.write(d);
  tail = (tail + d.toString()).slice(-4000);
});
child.on("close", (code) => {
  const m = /# tests (\d+)/.exec(tail);
  const pass = /# pass (\d+)/.exec(tail);
  const fail = /# fail (\d+)/.exec(tail);
  const cancelled = Number(/# cancelled (\d+)/.exec(tail)?.[1] ?? 0);
  if (!m || m[1] === "0") {
    console.error("run-tests: the runner reported no tests");
    process.exit(1);
  }
  // A cancelled test (its file ended with a promise still pending) did not pass: count it.
  if (pass && fail) console.log(`${pass[1]} passed, ${Number(fail[1]) + cancelled} failed`);
  process.exit(cancelled > 0 ? 1 : (code ?? 1));
});
