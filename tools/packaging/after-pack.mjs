// @ts-check
/**
 * electron-builder's afterPack hook (electron-builder.yml): puts better-sqlite3 built for Electron into the packaged
 * app, in place of the Node build that was copied there from node_modules.
 *
 * Why not electron-builder's own rebuild (`npmRebuild: true`): it rebuilds in the project's node_modules, over the
 * Node build that the CLI and `npm test` load, which then fail until `npm rebuild`. Here the Electron build is made
 * in a folder of its own (tools/native/electron-sqlite.mjs, the same one `npm start` uses) and only copied into
 * the package, which runs it from app.asar.unpacked (native modules cannot load from inside an asar archive).
 * keytar needs nothing: it uses N-API, whose binaries load in Node and Electron alike.
 *
 * KEYWARDEN_SQLITE_BINDING, when set, names a build made elsewhere (a CI cache, a machine with the internet) to use
 * as is; it must be for the platform, CPU and Electron version being packaged.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareElectronSqlite } from '../native/electron-sqlite.mjs';

/** electron-builder's Arch enum (builder-util), by value. */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/**
 * The part of electron-builder's AfterPackContext this hook reads.
 * @typedef {object} AfterPackContext
 * @property {string} appOutDir
 * @property {string} electronPlatformName   "linux", "darwin", "mas" or "win32"
 * @property {number} arch
 * @property {{ projectDir: string, appInfo: { productFilename: string }, info: { framework: { version: string } } }} packager
 */

/** Where the packaged app's better-sqlite3 binary is, for each platform's layout. */
export function packagedSqliteBinary(/** @type {string} */ appOutDir, /** @type {string} */ platform, /** @type {string} */ productFilename) {
  const resources = platform === 'darwin' || platform === 'mas' ? join(appOutDir, `${productFilename}.app`, 'Contents', 'Resources') : join(appOutDir, 'resources');
  return join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
}

/** @param {AfterPackContext} context */
export default async function afterPack(context) {
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  // A universal macOS app is merged from the x64 and arm64 ones, each already given its own build here.
  if (arch === 'universal') return;
  const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName;
  const root = context.packager.projectDir;
  const electronVersion = context.packager.info.framework.version || String(JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version);
  const target = packagedSqliteBinary(context.appOutDir, context.electronPlatformName, context.packager.appInfo.productFilename);
  if (!existsSync(target)) throw new Error(`afterPack: no ${target}; is better-sqlite3 still unpacked from the asar (asarUnpack in electron-builder.yml)?`);
  const log = (/** @type {string} */ line) => console.log(`  • keywarden afterPack: ${line}`);
  const given = process.env.KEYWARDEN_SQLITE_BINDING;
  let binding;
  if (given) {
    if (!existsSync(given)) throw new Error(`afterPack: KEYWARDEN_SQLITE_BINDING names ${given}, which does not exist`);
    binding = given;
  } else {
    const headerURL = process.env.KEYWARDEN_ELECTRON_HEADERS_URL;
    binding = (await prepareElectronSqlite({ root, electronVersion, platform, arch, ...(headerURL ? { headerURL } : {}) }, log)).binding;
  }
  copyFileSync(binding, target);
  log(`better-sqlite3 for Electron ${electronVersion} (${platform}-${arch}) put into the package, from ${binding}`);
}
