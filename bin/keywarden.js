#!/usr/bin/env node
// The `keywarden` command: runs the compiled CLI (no TypeScript compiler at run time).
'use strict';
let cli;
try {
  cli = require('../dist/electron/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND') {
    process.stderr.write('keywarden: the CLI is not built yet; run "npm install" (or "npm run build") in the project folder\n');
    process.exit(1);
  }
  throw error;
}
// main() reports its own errors and resolves to the exit code; a rejection would be a bug, for which Node's
// unhandled-rejection report (the stack, exit code 1) is the right answer.
void cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
