/**
 * The layer boundaries of eslint.config.mjs, shown firing: each test lints a small file as if it lived at a
 * given place in the tree (ESLint's lintText with a filePath; nothing is written), through the project's real
 * configuration, and checks what is reported and that the message says what is wrong and how to fix it.
 *
 * Only the boundary rule runs (ruleFilter), without type information: the files are not on disk, so no tsconfig
 * could hold them, and the rule reads import syntax only. That the real tree lints clean is `npm run lint`'s job.
 */
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: false, program: null } } },
    ruleFilter: ({ ruleId }) => ruleId === 'keywarden/layers',
  });
});

/** The boundary messages ESLint reports for `code`, linted as the file at `path` (relative to the repository). */
async function boundaryMessages(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  if (!result) throw new Error(`ESLint returned no result for ${path}`);
  const other = result.messages.filter((message) => message.ruleId !== 'keywarden/layers');
  // A fatal parse error or an ignored file would make "nothing reported" meaningless.
  expect(other, `${path}: ${JSON.stringify(other)}`).toEqual([]);
  return result.messages.map((message) => message.message);
}

describe('renderer/: the sandboxed window, no Node and no Electron', () => {
  it('reports a Node built-in, with or without the node: prefix, and says to go through window.keywarden', async () => {
    const [message, ...rest] = await boundaryMessages('renderer/inventory/export.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n");
    expect(rest).toEqual([]);
    expect(message).toMatch(/renderer\/ must not import the Node built-in 'node:fs'/);
    expect(message).toMatch(/no Node and no Electron/);
    expect(message).toMatch(/Reach the engine through window\.keywarden/);

    expect(await boundaryMessages('renderer/a.ts', "import fs from 'fs';\nexport default fs;\n")).toEqual([expect.stringMatching(/the Node built-in 'fs'/)]);
    expect(await boundaryMessages('renderer/a.ts', '/// <reference types="node" />\nexport {};\n')).toEqual([expect.stringMatching(/renderer\/ must not import Node's types/)]);
    expect(await boundaryMessages('renderer/a.ts', "import os = require('node:os');\nexport default os;\n")).toEqual([expect.stringMatching(/the Node built-in 'node:os'/)]);
  });

  it("reports 'electron', the engine and the CLI", async () => {
    const messages = await boundaryMessages(
      'renderer/keys/detail.tsx',
      [
        "import { ipcRenderer } from 'electron';",
        "import type { KeywardenEngine } from '../../electron/core/engine.js';",
        "export const load = () => import('../../electron/cli/io.js');",
        'export type Engine = KeywardenEngine | typeof ipcRenderer;',
      ].join('\n'),
    );
    expect(messages).toEqual([
      expect.stringMatching(/renderer\/ must not import the package 'electron'/),
      expect.stringMatching(/renderer\/ must not import electron\/core\/engine\.js \(electron\/core\/\)/),
      expect.stringMatching(/renderer\/ must not import electron\/cli\/io\.js \(electron\/cli\/\)/),
    ]);
  });

  it('accepts renderer/, shared/ and browser packages', async () => {
    const code = [
      "import { create } from 'zustand';",
      "import type { Key } from '../../shared/domain.js';",
      "import { KeyList } from './list.js';",
      'export const store = create(() => ({ keys: [] as Key[], KeyList }));',
    ].join('\n');
    expect(await boundaryMessages('renderer/inventory/store.ts', code)).toEqual([]);
  });
});

describe('shared/: runs everywhere, imports only shared/ and zod', () => {
  it('reports the engine, in every import form, and says what shared/ may import', async () => {
    const messages = await boundaryMessages(
      'shared/contract.ts',
      [
        "import { KeywardenError } from '../electron/core/errors.js';",
        "export type { KeywardenEngine } from '../electron/core/engine.js';",
        "export const loadEngine = () => require('../electron/core/engine.js');",
        "export type Paths = typeof import('../electron/core/paths.js');",
        'export { KeywardenError };',
      ].join('\n'),
    );
    expect(messages).toHaveLength(4);
    for (const message of messages) {
      expect(message).toMatch(/^Layer boundary: shared\/ must not import electron\/core\/\S+ \(electron\/core\/\)/);
      expect(message).toMatch(/it may import only shared\/ and zod/);
      expect(message).toMatch(/Move what it needs into shared\/.*or keep the code where it is and pass the value in/);
    }
  });

  it('reports Node built-ins and other packages', async () => {
    const messages = await boundaryMessages('shared/rules.ts', "import { join } from 'node:path';\nimport { z } from 'zod';\nimport _ from 'lodash';\nexport const x = [join, z, _];\n");
    expect(messages).toEqual([expect.stringMatching(/shared\/ must not import the Node built-in 'node:path'/), expect.stringMatching(/shared\/ must not import the package 'lodash'/)]);
  });

  it('accepts shared/ and zod', async () => {
    expect(await boundaryMessages('shared/domain.ts', "import { z } from 'zod';\nimport { BACKEND_TYPES } from './rules.js';\nexport const Type = z.enum(BACKEND_TYPES);\n")).toEqual([]);
  });
});

describe('electron/core/: the engine, plain Node, below its front ends', () => {
  it("reports 'electron', electron/main/, electron/cli/ and renderer/, however they are loaded", async () => {
    const messages = await boundaryMessages(
      'electron/core/workflows/keys.ts',
      [
        "import { safeStorage } from 'electron';",
        "import { app } from 'electron/main';",
        "import type { Tray } from '../../main/tray.js';",
        "const { createOutput } = require('../../cli/io.js') as typeof import('../../cli/io.js');",
        "export const screens = async () => import('../../../renderer/screens.js');",
        'export { safeStorage, app, createOutput };',
        'export type T = Tray;',
      ].join('\n'),
    );
    expect(messages).toEqual([
      expect.stringMatching(/electron\/core\/ must not import the package 'electron'\. electron\/core\/ is the engine, in plain Node/),
      expect.stringMatching(/electron\/core\/ must not import the package 'electron'/),
      expect.stringMatching(/electron\/core\/ must not import electron\/main\/tray\.js \(electron\/main\/\)/),
      expect.stringMatching(/electron\/core\/ must not import electron\/cli\/io\.js \(electron\/cli\/\)/),
      expect.stringMatching(/electron\/core\/ must not import electron\/cli\/io\.js \(electron\/cli\/\)/),
      expect.stringMatching(/electron\/core\/ must not import renderer\/screens\.js \(renderer\/\)/),
    ]);
    expect(messages[0]).toMatch(/pass what the engine needs in/);
  });

  it('accepts electron/core/, shared/, Node and packages', async () => {
    const code = [
      "import { readFileSync } from 'node:fs';",
      "import { z } from 'zod';",
      "import type { Key } from '../../../shared/domain.js';",
      "import { KeywardenError } from '../errors.js';",
      'export const x = [readFileSync, z, KeywardenError] as const; export type K = Key;',
    ].join('\n');
    expect(await boundaryMessages('electron/core/workflows/keys.ts', code)).toEqual([]);
  });
});

describe('electron/cli/: the keywarden command', () => {
  it("reports 'electron' and the Electron main process; accepts the engine", async () => {
    expect(await boundaryMessages('electron/cli/commands/copy.ts', "import { clipboard } from 'electron';\nexport default clipboard;\n")).toEqual([
      expect.stringMatching(/electron\/cli\/ must not import the package 'electron'.*Put what the command and the desktop app share into electron\/core\//),
    ]);
    expect(await boundaryMessages('electron/cli/commands/copy.ts', "import { tray } from '../../main/tray.js';\nexport default tray;\n")).toEqual([
      expect.stringMatching(/electron\/cli\/ must not import electron\/main\/tray\.js/),
    ]);
    expect(
      await boundaryMessages(
        'electron/cli/commands/copy.ts',
        "import { KeywardenEngine } from '../../core/engine.js';\nimport { spawn } from 'node:child_process';\nexport default [KeywardenEngine, spawn];\n",
      ),
    ).toEqual([]);
  });
});

describe('electron/main/ and electron/preload/', () => {
  it("main: accepts 'electron', the engine and shared/; reports renderer/", async () => {
    const code = "import { app } from 'electron';\nimport { KeywardenEngine } from '../core/engine.js';\nimport { z } from 'zod';\nexport default [app, KeywardenEngine, z];\n";
    expect(await boundaryMessages('electron/main/index.ts', code)).toEqual([]);
    expect(await boundaryMessages('electron/main/index.ts', "import { App } from '../../renderer/app.js';\nexport default App;\n")).toEqual([
      expect.stringMatching(/electron\/main\/ must not import renderer\/app\.js \(renderer\/\).*only over IPC/),
    ]);
  });

  it('preload: only the Node modules the sandbox provides, and not the engine', async () => {
    const code =
      "import { contextBridge, ipcRenderer } from 'electron';\nimport { EventEmitter } from 'node:events';\nimport type { Key } from '../../shared/domain.js';\nexport default [contextBridge, ipcRenderer, EventEmitter] as unknown as Key;\n";
    expect(await boundaryMessages('electron/preload/index.ts', code)).toEqual([]);
    expect(
      await boundaryMessages(
        'electron/preload/index.ts',
        "import { readFile } from 'node:fs/promises';\nimport { KeywardenEngine } from '../core/engine.js';\nexport default [readFile, KeywardenEngine];\n",
      ),
    ).toEqual([
      expect.stringMatching(/electron\/preload\/ must not import the Node built-in 'node:fs\/promises'.*\(events, timers, url\)/),
      expect.stringMatching(/electron\/preload\/ must not import electron\/core\/engine\.js \(electron\/core\/\)/),
    ]);
  });
});

describe('native and network modules: one importing file each', () => {
  it('reports a second file importing better-sqlite3, and names the owner and what to use instead', async () => {
    const [message, ...rest] = await boundaryMessages('electron/core/store/store.ts', "import Database from 'better-sqlite3';\nexport const open = (path: string) => new Database(path);\n");
    expect(rest).toEqual([]);
    expect(message).toMatch(/'better-sqlite3' may be imported only by electron\/core\/store\/sqlite\.ts/);
    expect(message).toMatch(/Use the SqlDatabase interface and openDatabase\(\) from store\/sqlite\.ts/);
  });

  it('reports keytar and undici outside their files, lazily loaded or not, in any folder', async () => {
    expect(await boundaryMessages('electron/core/vault/vault.ts', "export const load = async () => (await import('keytar')).default;\n")).toEqual([
      expect.stringMatching(/'keytar' may be imported only by electron\/core\/vault\/keychain\.ts.*Use the Keychain interface/),
    ]);
    expect(await boundaryMessages('electron/core/backends/connector-kit.ts', "import { request } from 'undici';\nexport default request;\n")).toEqual([
      expect.stringMatching(/'undici' may be imported only by electron\/core\/backends\/http\.ts.*Use the HttpClient/),
    ]);
    expect(await boundaryMessages('bin/tool.js', "'use strict';\nconst Database = require('better-sqlite3');\nmodule.exports = Database;\n")).toEqual([
      expect.stringMatching(/'better-sqlite3' may be imported only by electron\/core\/store\/sqlite\.ts/),
    ]);
  });

  it('accepts each owner, and tests that need the real module', async () => {
    expect(await boundaryMessages('electron/core/store/sqlite.ts', "import Database from 'better-sqlite3';\nexport default Database;\n")).toEqual([]);
    expect(await boundaryMessages('electron/core/vault/keychain.ts', "export const load = async () => (await import('keytar')).default;\n")).toEqual([]);
    expect(await boundaryMessages('electron/core/backends/http.ts', "import { Pool } from 'undici';\nexport default Pool;\n")).toEqual([]);
    expect(await boundaryMessages('test/integration/store-lock.test.ts', "import Database from 'better-sqlite3';\nexport default Database;\n")).toEqual([]);
  });
});
