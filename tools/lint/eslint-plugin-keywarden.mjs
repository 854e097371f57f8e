// @ts-check
/**
 * Keywarden's own ESLint rules. One so far, `keywarden/layers`: which runtime may import what.
 *
 * The policy (the layers, what each may import, the packages that one file owns, the messages' advice) is data,
 * given as the rule's options in eslint.config.mjs; this file only finds imports and judges them against it.
 * It sees every way a module is named: `import` and `export ... from`, `import type`, `import()`, `require()`,
 * `import x = require()`, `typeof import('...')` types and `/// <reference types="..." />`. Type-only imports
 * count too: a renderer that names the engine's types depends on the engine all the same.
 *
 * Why a rule of our own rather than `no-restricted-imports`: that rule sees neither `import()` nor `require()`,
 * which is how this code loads keytar, vendor code and the CLI's commands lazily; and it cannot say "this
 * package in exactly one file".
 */
import { isBuiltin } from 'node:module';
import path from 'node:path';

/**
 * @typedef {object} Layer
 * @property {string} folder          repository-relative folder, e.g. "electron/core"
 * @property {string[]} mayImport     folders whose files this layer may import (its own included)
 * @property {{ only: string[] } | { not: string[] }} packages   npm packages it may import
 * @property {boolean | string[]} node  Node built-ins: all, none, or only these
 * @property {string} rule            one sentence: where it runs and what it may import
 * @property {string} fix             one sentence: how to get what the forbidden import was for
 *
 * @typedef {object} OwnedPackage
 * @property {string} name            npm package, e.g. "better-sqlite3"
 * @property {string} owner           the one repository-relative file that may import it
 * @property {string} fix             one sentence: what other files use instead
 *
 * @typedef {object} Options
 * @property {string} root            the repository folder (absolute)
 * @property {Layer[]} layers
 * @property {OwnedPackage[]} ownedPackages
 * @property {string[]} ownedPackagesAllowedIn  folders where any file may import an owned package (tests)
 * @property {string} ownedPackagesAllowedWhy    why, for the message
 */

const toPosix = (/** @type {string} */ p) => p.split(path.sep).join('/');
const isInside = (/** @type {string} */ file, /** @type {string} */ folder) => file === folder || file.startsWith(`${folder}/`);

/** The npm package a bare specifier names: "zod/v4" -> "zod", "@scope/pkg/x" -> "@scope/pkg". */
function packageName(/** @type {string} */ specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** The layer a repository-relative path belongs to: the longest folder that contains it. */
function layerOf(/** @type {Layer[]} */ layers, /** @type {string} */ file) {
  /** @type {Layer | undefined} */
  let found;
  for (const layer of layers) if (isInside(file, layer.folder) && (!found || layer.folder.length > found.folder.length)) found = layer;
  return found;
}

/** @type {import('eslint').Rule.RuleModule} */
const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'Each runtime imports only what exists where it runs; native and network modules have one importing file' },
    schema: [{ type: 'object', additionalProperties: true }],
    messages: {
      folder: 'Layer boundary: {{layer}}/ must not import {{target}}. {{rule}} {{fix}}',
      node: 'Layer boundary: {{layer}}/ must not import {{what}}. {{rule}} {{fix}}',
      package: "Layer boundary: {{layer}}/ must not import the package '{{name}}'. {{rule}} {{fix}}",
      owned:
        "Layer boundary: '{{name}}' may be imported only by {{owner}}: one file owns each native or network module, so its loading, errors and lifetime are handled once ({{allowedWhy}}). {{fix}}",
    },
  },
  create(context) {
    const options = /** @type {Options} */ (context.options[0]);
    const file = toPosix(path.relative(options.root, context.filename));
    if (file.startsWith('..')) return {};
    const layer = layerOf(options.layers, file);
    const ownedAllowedHere = options.ownedPackagesAllowedIn.some((folder) => isInside(file, folder));

    /**
     * Judges one module name, as written in the source.
     * @param {import('estree').Node | import('eslint').AST.Token | import('estree').Comment} node
     * @param {string} specifier
     * @param {string} [shown] how a message names a Node built-in
     */
    function check(node, specifier, shown = `the Node built-in '${specifier}'`) {
      const loc = /** @type {import('estree').SourceLocation} */ (node.loc);
      if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
        if (!layer) return;
        const target = toPosix(path.relative(options.root, path.resolve(path.dirname(context.filename), specifier)));
        if (layer.mayImport.some((folder) => isInside(target, folder))) return;
        const targetLayer = layerOf(options.layers, target);
        const where = target.startsWith('..') ? 'a file outside the repository' : targetLayer ? `${targetLayer.folder}/` : 'a file outside the runtime layers';
        context.report({ loc, messageId: 'folder', data: { layer: layer.folder, target: `${target} (${where})`, rule: layer.rule, fix: layer.fix } });
        return;
      }
      if (specifier.startsWith('node:') || isBuiltin(specifier)) {
        if (!layer || layer.node === true) return;
        const bare = specifier.replace(/^node:/, '').split('/')[0] ?? specifier;
        if (Array.isArray(layer.node) && layer.node.includes(bare)) return;
        context.report({ loc, messageId: 'node', data: { layer: layer.folder, what: shown, rule: layer.rule, fix: layer.fix } });
        return;
      }
      const name = packageName(specifier);
      const owned = options.ownedPackages.find((entry) => entry.name === name);
      if (owned && owned.owner !== file && !ownedAllowedHere) {
        context.report({ loc, messageId: 'owned', data: { name, owner: owned.owner, allowedWhy: options.ownedPackagesAllowedWhy, fix: owned.fix } });
        return;
      }
      if (!layer) return;
      const allowed = 'only' in layer.packages ? layer.packages.only.includes(name) : !layer.packages.not.includes(name);
      if (!allowed) context.report({ loc, messageId: 'package', data: { layer: layer.folder, name, rule: layer.rule, fix: layer.fix } });
    }

    /** @param {import('estree').Node | null | undefined} source */
    function checkSource(source) {
      if (!source) return;
      if (source.type === 'Literal' && typeof source.value === 'string') check(source, source.value);
      else if (source.type === 'TemplateLiteral' && source.expressions.length === 0) check(source, source.quasis[0]?.value.cooked ?? '');
    }

    return {
      Program() {
        // `/// <reference types="node" />` brings a package's (here: Node's) globals in, like an import.
        for (const comment of context.sourceCode.getAllComments()) {
          const match = comment.type === 'Line' ? /^\/\s*<reference\s+types\s*=\s*["']([^"']+)["']/.exec(comment.value) : null;
          if (match?.[1] === 'node') check(comment, 'node:', `Node's types (/// <reference types="node" />)`);
          else if (match?.[1]) check(comment, match[1]);
        }
      },
      ImportDeclaration: (node) => checkSource(node.source),
      ExportNamedDeclaration: (node) => checkSource(node.source),
      ExportAllDeclaration: (node) => checkSource(node.source),
      ImportExpression: (node) => checkSource(node.source),
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length === 1) {
          checkSource(/** @type {import('estree').Node} */ (node.arguments[0]));
        }
      },
      // TypeScript-only syntax (typescript-eslint's AST): `import x = require('m')` and `typeof import('m')`.
      /** @param {any} node -- a TSESTree.TSImportEqualsDeclaration, a type ESLint's own typings do not know */
      TSImportEqualsDeclaration(node) {
        if (node.moduleReference.type === 'TSExternalModuleReference') checkSource(node.moduleReference.expression);
      },
      /** @param {any} node -- a TSESTree.TSImportType, a type ESLint's own typings do not know */
      TSImportType(node) {
        checkSource(node.source);
      },
    };
  },
};

export default {
  meta: { name: 'eslint-plugin-keywarden' },
  rules: { layers },
};
