/**
 * One tsconfig per runtime (tsconfig.json at the root lists them): each sees only the globals that exist where its
 * code runs, each references only the runtimes it may import (as eslint.config.mjs's LAYERS say), and every source
 * file belongs to exactly one of them, so none escapes the build or is checked with another runtime's globals.
 *
 * The globals are checked by compiling a probe that uses Node's and the DOM's globals with each project's own
 * options, as if it were a file of that runtime.
 */
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const toPosix = (path: string): string => path.split('\\').join('/');

interface Layer {
  folder: string;
  mayImport: string[];
}

/** Where each runtime runs decides its globals. */
const EXPECTED_GLOBALS: Record<string, { node: boolean; dom: boolean }> = {
  shared: { node: false, dom: false },
  'electron/core': { node: true, dom: false },
  'electron/cli': { node: true, dom: false },
  'electron/main': { node: true, dom: false },
  'electron/preload': { node: false, dom: true },
  renderer: { node: false, dom: true },
};
const NODE_GLOBALS = ['process', 'Buffer', 'require', '__dirname'];
const DOM_GLOBALS = ['document', 'window', 'HTMLElement', 'localStorage'];
const PROBE = `${[...NODE_GLOBALS, ...DOM_GLOBALS].map((name) => `export const probe_${name} = ${name};`).join('\n')}\n`;

let layers: Layer[];

function parseProject(folder: string): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, folder, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!parsed) throw new Error(`${folder}/tsconfig.json cannot be read`);
  expect(parsed.errors.map((error) => ts.flattenDiagnosticMessageText(error.messageText, '\n'))).toEqual([]);
  return parsed;
}

// Lib and @types files parsed once, shared by the probes' programs (they are the same files for every runtime).
const sourceFileCache = new Map<string, ts.SourceFile | undefined>();

/** The globals a file at `folder`/probe.ts cannot see, compiled with that runtime's options. */
function missingGlobals(folder: string): string[] {
  // The project's options as they bear on checking; what only matters to the build's output is set aside.
  const options: ts.CompilerOptions = {
    ...parseProject(folder).options,
    noEmit: true,
    composite: false,
    declaration: false,
    declarationDir: undefined,
    incremental: false,
    tsBuildInfoFile: undefined,
  };
  const probePath = join(ROOT, folder, '__probe__.ts');
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (file) => file === probePath || fileExists.call(host, file);
  host.readFile = (file) => (file === probePath ? PROBE : readFile.call(host, file));
  host.getSourceFile = (file, languageVersion, ...rest) => {
    if (file === probePath) return ts.createSourceFile(file, PROBE, languageVersion);
    const key = `${file}\0${JSON.stringify(languageVersion)}`;
    if (!sourceFileCache.has(key)) sourceFileCache.set(key, getSourceFile.call(host, file, languageVersion, ...rest));
    return sourceFileCache.get(key);
  };
  const program = ts.createProgram({ rootNames: [probePath], options, host });
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...program.getSemanticDiagnostics(program.getSourceFile(probePath))];
  const missing: string[] = [];
  for (const diagnostic of diagnostics) {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const name = /^Cannot find name '(\w+)'/.exec(text)?.[1];
    if (!name) throw new Error(`${folder}: unexpected diagnostic: ${text}`);
    missing.push(name);
  }
  return missing.sort();
}

beforeAll(async () => {
  // The same table ESLint enforces: the tsconfig references must say the same thing.
  const config = (await import(join(ROOT, 'eslint.config.mjs'))) as { LAYERS: Layer[] };
  layers = config.LAYERS;
});

describe('the runtime projects', () => {
  it('are exactly the layers, all referenced from the root build', () => {
    expect(layers.map((layer) => layer.folder).sort()).toEqual(Object.keys(EXPECTED_GLOBALS).sort());
    const root = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    const references = (root.config as { references: { path: string }[] }).references.map((reference) => reference.path).sort();
    expect(references).toEqual(Object.keys(EXPECTED_GLOBALS).sort());
  });

  it('reference only the runtimes each may import', () => {
    for (const layer of layers) {
      const references = (parseProject(layer.folder).projectReferences ?? []).map((reference) => toPosix(relative(ROOT, reference.path))).sort();
      expect(references, layer.folder).toEqual(layer.mayImport.filter((folder) => folder !== layer.folder).sort());
    }
  });

  it.each(Object.entries(EXPECTED_GLOBALS))('%s sees only the globals of where it runs', (folder, { node, dom }) => {
    const expectedMissing = [...(node ? [] : NODE_GLOBALS), ...(dom ? [] : DOM_GLOBALS)].sort();
    expect(missingGlobals(folder)).toEqual(expectedMissing);
  });

  it('hold every source file, each in exactly one project', () => {
    const owners = new Map<string, string[]>();
    for (const folder of Object.keys(EXPECTED_GLOBALS)) {
      for (const file of parseProject(folder).fileNames) owners.set(toPosix(relative(ROOT, file)), [...(owners.get(toPosix(relative(ROOT, file))) ?? []), folder]);
    }
    const sources: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          // Outside the runtimes: dependencies, the build, the tests (test/tsconfig.json), the lint tooling.
          if (!['node_modules', 'dist', 'release', 'test', 'tools'].includes(path) && !entry.name.startsWith('.')) walk(path);
        } else if (/\.tsx?$/.test(entry.name) && dir !== '') {
          sources.push(path);
        }
      }
    };
    walk('');
    expect(sources.length).toBeGreaterThan(50);
    expect(sources.filter((file) => owners.get(file)?.length !== 1).map((file) => `${file}: ${owners.get(file)?.join(', ') ?? 'in no project'}`)).toEqual([]);
  });
});
