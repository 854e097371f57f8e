// @ts-check
/**
 * ESLint for every source, test and tool file, with type information (typescript-eslint's project service:
 * each file is checked in the tsconfig of its runtime, so a rule knows what a promise or an `any` is).
 * `npm run lint` runs it beside the type checks and the format check; `npm test` runs that first.
 *
 * What it enforces, beyond ESLint's and typescript-eslint's recommended (type-checked) rules:
 * - the layer boundaries (LAYERS below): which runtime may import which folders, Node built-ins and packages;
 * - the native and network modules owned by one file each (OWNED_PACKAGES below);
 * - no floating promises: a promise is awaited, returned, or handed to `void` on purpose;
 * - no `any` without a reason beside it: `no-explicit-any` is an error, and the only way past it is a disable
 *   comment that gives its reason after `--`, e.g. `// eslint-disable-next-line @typescript-eslint/no-explicit-any -- <why>`
 *   (every disable comment needs a reason, and one that no longer disables anything is itself an error).
 *
 * test/unit/lint-boundaries.test.ts shows each boundary rule firing on a file that breaks it.
 */
import eslint from '@eslint/js';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import keywarden from './tools/lint/eslint-plugin-keywarden.mjs';

const ROOT = import.meta.dirname;

/**
 * The runtimes and what each may import (docs/architecture.md, "Layers"). Relative imports must stay in
 * `mayImport`; Node built-ins and npm packages are allowed or not per layer. Files outside these folders (test/,
 * bin/, tools/, the configuration files) are outside the layers: only the owned-package rule applies there.
 * @type {import('./tools/lint/eslint-plugin-keywarden.mjs').Layer[]}
 */
export const LAYERS = [
  {
    folder: 'shared',
    mayImport: ['shared'],
    packages: { only: ['zod'] },
    node: false,
    rule: 'shared/ runs in every process (engine, CLI, Electron main, preload, window), so it may import only shared/ and zod.',
    fix: 'Move what it needs into shared/, free of platform imports, or keep the code where it is and pass the value in.',
  },
  {
    folder: 'electron/core',
    mayImport: ['electron/core', 'shared'],
    packages: { not: ['electron'] },
    node: true,
    rule: "electron/core/ is the engine, in plain Node (the CLI and the tests run it without Electron), below its front ends: it may import electron/core/, shared/, Node and packages, never 'electron', electron/cli/, electron/main/, electron/preload/ or renderer/.",
    fix: 'Keep Electron- or front-end-specific code in electron/main/ or electron/cli/, and pass what the engine needs in (a parameter or an interface).',
  },
  {
    folder: 'electron/cli',
    mayImport: ['electron/cli', 'electron/core', 'shared'],
    packages: { not: ['electron'] },
    node: true,
    rule: "electron/cli/ is the keywarden command, run by plain Node: it may import electron/cli/, electron/core/, shared/, Node and packages, never 'electron'.",
    fix: 'Put what the command and the desktop app share into electron/core/.',
  },
  {
    folder: 'electron/main',
    mayImport: ['electron/main', 'electron/core', 'shared'],
    packages: { not: [] },
    node: true,
    rule: "electron/main/ is the Electron main process: it may import electron/main/, electron/core/, shared/, 'electron', Node and packages; it reaches the window only over IPC.",
    fix: 'Put what the command and the desktop app share into electron/core/, and what the window and the main process share (the contract) into shared/.',
  },
  {
    folder: 'electron/preload',
    mayImport: ['electron/preload', 'shared'],
    packages: { not: [] },
    // What Electron's sandbox gives a preload's require(): https://www.electronjs.org/docs/latest/tutorial/sandbox
    node: ['events', 'timers', 'url'],
    rule: "electron/preload/ is the sandboxed preload: it may import electron/preload/, shared/, 'electron' (contextBridge, ipcRenderer) and only the Node modules the sandbox provides (events, timers, url).",
    fix: 'Do the work in the main process (electron/main/) and expose it through the contract in shared/.',
  },
  {
    folder: 'renderer',
    mayImport: ['renderer', 'shared'],
    packages: { not: ['electron'] },
    node: false,
    rule: 'renderer/ runs in the sandboxed window, with no Node and no Electron: it may import renderer/, shared/ and browser packages.',
    fix: 'Reach the engine through window.keywarden; if the call is missing, declare it in the contract in shared/.',
  },
];

/** Each native or network module has exactly one importing file, which hides it behind a small interface. */
export const OWNED_PACKAGES = [
  {
    name: 'better-sqlite3',
    owner: 'electron/core/store/sqlite.ts',
    fix: 'Use the SqlDatabase interface and openDatabase() from store/sqlite.ts.',
  },
  {
    name: 'keytar',
    owner: 'electron/core/vault/keychain.ts',
    fix: 'Use the Keychain interface from vault/keychain.ts (or the vault, which holds one).',
  },
  {
    name: 'undici',
    owner: 'electron/core/backends/http.ts',
    fix: 'Use the HttpClient from backends/http.ts (createHttpClient).',
  },
  {
    name: 'pg',
    owner: 'electron/core/team/pg.ts',
    fix: 'Use the TeamDatabase interface and connectTeamDatabase() from team/pg.ts.',
  },
  {
    name: '@hpke/core',
    owner: 'electron/core/team/hpke.ts',
    fix: 'Use wrapTeamKey/unwrapTeamKey and the member key functions from team/hpke.ts.',
  },
  {
    name: 'kdbxweb',
    owner: 'electron/core/imports/kdbx.ts',
    fix: 'Use readKdbx / readKeepassXml from imports/kdbx.ts (or the import workflow).',
  },
  {
    name: 'hash-wasm',
    owner: 'electron/core/imports/kdbx.ts',
    fix: "hash-wasm is kdbxweb's Argon2 in imports/kdbx.ts; for other hashing use node:crypto.",
  },
  {
    name: 'fflate',
    owner: 'electron/core/imports/onepassword.ts',
    fix: 'Use read1pux from imports/onepassword.ts, which checks sizes before inflating.',
  },
  {
    name: 'csv-parse',
    owner: 'electron/core/imports/csv.ts',
    fix: 'Use readCsv from imports/csv.ts.',
  },
  {
    name: 'ws',
    owner: 'electron/cli/ui/socket.ts',
    fix: "Use ContractSockets from cli/ui/socket.ts; the console's page uses the browser's own WebSocket.",
  },
  {
    name: 'nodemailer',
    owner: 'electron/core/alerts/mailer.ts',
    fix: 'Use the Mailer interface from alerts/mailer.ts (createSmtpMailer).',
  },
];

/** JavaScript files: ESLint's recommended rules plus the type-aware ones that need no annotations. */
const JS_FILES = ['**/*.js', '**/*.mjs', '**/*.cjs'];

export default defineConfig(
  {
    // The build, packaging, test and bench output; node_modules is ignored by ESLint itself.
    ignores: ['dist/', 'release/', 'test-results/', 'bench/tmp/', '.keywarden-test/'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error', reportUnusedInlineConfigs: 'error' },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', ...JS_FILES],
    extends: [eslint.configs.recommended, tseslint.configs.recommendedTypeChecked, comments.recommended],
    languageOptions: {
      parserOptions: {
        // Each file is checked in its runtime's tsconfig.json (the nearest one). Files that no tsconfig includes
        // (the configuration files at the root, bin/, tools/) get a default project; keep that list short, as
        // each such file costs a program of its own.
        projectService: { allowDefaultProject: ['*.mjs', '*.mts', 'bin/*.js', 'tools/lint/*.mjs', 'tools/audit/*.mjs'] },
        tsconfigRootDir: ROOT,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: ['eslint-enable'] }],
      '@eslint-community/eslint-comments/disable-enable-pair': ['error', { allowWholeFile: true }],
      // `async` without `await` is used on purpose: it turns a synchronous throw into a rejection, so a function
      // that promises a Promise (a contract handler, a command loader) never throws instead.
      '@typescript-eslint/require-await': 'off',
      // `const { secret: _secret, ...rest } = stored` is how a property is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // The build configurations (the console's, the preload's) have a project of their own (tsconfig.vite.json says why).
    files: ['vite.config.mts', 'vite.preload.config.mts'],
    languageOptions: { parserOptions: { projectService: false, project: './tsconfig.vite.json', tsconfigRootDir: ROOT } },
  },
  {
    // The CLI loads its commands and the engine with require(), on purpose: in compiled CommonJS an import() goes
    // through Node's ESM loader, which costs every `keywarden list` 10-15 ms (see electron/cli/main.ts).
    files: ['electron/cli/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Vitest's asymmetric matchers (expect.any(), expect.stringContaining(), ...) are typed `any` by design.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      // `expect(connector.createKey).toBeUndefined()` names a method to assert on it; it never calls it unbound.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: JS_FILES,
    languageOptions: { globals: globals.node },
    rules: {
      // Plain JavaScript has no annotations, so every value a package does not type is `any`: these rules
      // would flag the language itself. The promise rules stay on.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // CommonJS: the bench's require hook, and bin/keywarden.js (a .js file in a package without "type": "module").
    files: ['**/*.cjs', 'bin/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The layer boundaries, everywhere: a file's folder decides its layer.
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', ...JS_FILES],
    plugins: { keywarden },
    rules: {
      'keywarden/layers': [
        'error',
        {
          root: ROOT,
          layers: LAYERS,
          ownedPackages: OWNED_PACKAGES,
          // Tests may import an owned module when they need the real one: to hold a database lock, to read a
          // database the engine wrote, to count keychain entries. Tests never ship, so the app still loads
          // each module from one file.
          ownedPackagesAllowedIn: ['test'],
          ownedPackagesAllowedWhy: 'tests may import it too, when they need the real module',
        },
      ],
    },
  },
);
