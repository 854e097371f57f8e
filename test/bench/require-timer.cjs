/**
 * Preloaded (`node -r test/bench/require-timer.cjs ...`) into one CLI run to see where start-up goes:
 * it times every module load (require, and import() of CommonJS, which goes through the same loader)
 * and writes a summary to the file named by BENCH_REQUIRE_PROFILE when the process exits.
 *
 * Times are inclusive of what a module itself loads; `self` subtracts the loads nested in it.
 * `preloadAt` is when this file ran (Node's own bootstrap is before it); `exitAt` is process exit.
 */
'use strict';
const Module = require('node:module');
const { writeFileSync } = require('node:fs');
const path = require('node:path');

const preloadAt = performance.now();
const root = process.cwd();
const records = [];
const stack = [];

function label(filename) {
  if (!filename || !filename.includes(path.sep)) return filename;
  const parts = filename.split(path.sep);
  const nm = parts.lastIndexOf('node_modules');
  if (nm >= 0) {
    const name = parts[nm + 1]?.startsWith('@') ? `${parts[nm + 1]}/${parts[nm + 2]}` : parts[nm + 1];
    return `npm:${name}`;
  }
  return path.relative(root, filename);
}

function timed(load, request, parent, isMain) {
  let filename = request;
  try {
    filename = Module._resolveFilename(request, parent, isMain);
  } catch {
    // Let the real loader raise its own error below.
  }
  const frame = { name: label(filename), nested: 0 };
  stack.push(frame);
  const started = performance.now();
  try {
    return load();
  } finally {
    const total = performance.now() - started;
    stack.pop();
    if (stack.length > 0) stack[stack.length - 1].nested += total;
    records.push({ name: frame.name, total, self: total - frame.nested, at: started });
  }
}

const originalLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  if (typeof request === 'string' && request.startsWith('node:')) return originalLoad.apply(this, arguments);
  const args = arguments;
  return timed(() => originalLoad.apply(this, args), request, parent, isMain);
};

process.on('exit', () => {
  const file = process.env.BENCH_REQUIRE_PROFILE;
  if (!file) return;
  // Aggregate by package (npm:*) or project file; keep first-load order for the timeline.
  const byName = new Map();
  for (const record of records) {
    const entry = byName.get(record.name) ?? { name: record.name, self: 0, loads: 0, firstAt: record.at };
    entry.self += record.self;
    entry.loads += 1;
    entry.firstAt = Math.min(entry.firstAt, record.at);
    byName.set(record.name, entry);
  }
  const modules = [...byName.values()].sort((a, b) => b.self - a.self);
  writeFileSync(
    file,
    JSON.stringify({
      preloadAt,
      exitAt: performance.now(),
      nodeTiming: {
        environment: performance.nodeTiming.environment,
        bootstrapComplete: performance.nodeTiming.bootstrapComplete,
      },
      moduleLoadSelfTotal: modules.reduce((sum, module) => sum + module.self, 0),
      modules,
    }),
  );
});
