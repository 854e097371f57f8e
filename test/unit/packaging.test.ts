/**
 * electron-builder.yml, read the way `npm run dist` reads it: electron-builder's own loader and its JSON schema
 * (app-builder-lib), then what Keywarden needs from it: the app's identity and entry, what goes into the package
 * and what stays out, native modules unpacked from the asar and never rebuilt over node_modules, the tray icons as
 * resources, every platform's targets and icons (files that exist), and the deb's dependency on libsecret.
 * test/integration/packaging.test.ts packages for real (the `dir` target, offline).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Configuration } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/cli.js';

let config: Configuration;
const packageJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { main?: string; productName?: string; scripts: Record<string, string> };

/** A target list as the configuration gives it: names, whatever form each entry takes. */
function targetNames(target: unknown): string[] {
  const list = Array.isArray(target) ? (target as unknown[]) : [target];
  return list.map((entry) => (typeof entry === 'string' ? entry : (entry as { target: string }).target));
}

beforeAll(async () => {
  config = await getConfig(PROJECT_ROOT, null, null);
  // Throws, naming the property, on anything electron-builder's schema does not allow.
  await validateConfiguration(config, new DebugLogger(false));
});

describe('electron-builder.yml', () => {
  it("names the app, and starts the main process that package.json names (npm start's entry too)", () => {
    expect(config.appId).toBe('app.keywarden.desktop');
    expect(config.productName).toBe('Keywarden');
    // extraMetadata is typed `any` (any package.json field may be overridden).
    const extraMetadata = config.extraMetadata as { main?: unknown } | undefined;
    expect(extraMetadata?.main).toBe('dist/electron/main/main.js');
    expect(packageJson.main).toBe(extraMetadata?.main);
    // Electron names the app (and its userData folder) after package.json when run from source: the same name.
    expect(packageJson.productName).toBe(config.productName);
    expect(config.directories).toMatchObject({ output: 'release', buildResources: 'build' });
  });

  it('packages the build, the command and package.json, without tests, source maps, build state or npm start’s native build', () => {
    const patterns = (config.files as { filter: string[] }[]).flatMap((set) => set.filter);
    for (const pattern of ['dist/**/*', 'bin/**/*', 'package.json', '!**/*.map', '!test/**', '!dist/.types/**', '!dist/.tsbuild/**', '!dist/native/**']) expect(patterns).toContain(pattern);
  });

  it('unpacks both native modules from the asar, and never rebuilds them over node_modules', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/node_modules/better-sqlite3/**', '**/node_modules/keytar/**']));
    expect(config.npmRebuild).toBe(false);
    expect(config.afterPack).toBe('./tools/packaging/after-pack.mjs');
    expect(existsSync(join(PROJECT_ROOT, config.afterPack as string))).toBe(true);
  });

  it('carries the tray icons as resources', () => {
    expect(config.extraResources).toEqual([{ from: 'build/tray', to: 'tray', filter: ['*.png'] }]);
    for (const state of ['overdue', 'due-soon', 'clear']) {
      expect(existsSync(join(PROJECT_ROOT, 'build', 'tray', `tray-${state}.png`))).toBe(true);
      expect(existsSync(join(PROJECT_ROOT, 'build', 'tray', `tray-${state}@2x.png`))).toBe(true);
    }
  });

  // Electron's fuses tutorial (electronjs.org/docs/latest/tutorial/fuses) and electron-builder's FuseOptionsV1
  // (`electronFuses`): flipped in the packaged binary before it is signed.
  it('flips Electron’s fuses: no Node mode, no NODE_OPTIONS or --inspect, code only from the checked app.asar, no file:// privileges', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // onlyLoadAppFromAsar needs the app in an asar, and the integrity check a hash of it (not disabled).
    expect(config.asar).toBe(true);
  });

  // Ubuntu 23.10+ restricts unprivileged user namespaces with AppArmor: an Electron AppImage crashes at start
  // (electron/electron#42510, electron-userland/electron-builder#8440). The deb installs a profile that allows them.
  it('makes the deb the primary Linux artefact, with the libraries Electron links against and an AppArmor profile', () => {
    expect(targetNames(config.linux?.target)).toEqual(['deb', 'AppImage']);
    expect(config.deb?.depends).toEqual(
      expect.arrayContaining(['libgbm1', 'libasound2 | libasound2t64', 'libnss3', 'libgtk-3-0', 'libxss1', 'libnotify4', 'libsecret-1-0', 'xdg-utils', 'libdrm2', 'libxkbcommon0']),
    );
    const profilePath = config.deb?.appArmorProfile;
    expect(profilePath).toBe('build/linux/apparmor-profile');
    const profile = readFileSync(join(PROJECT_ROOT, profilePath as string), 'utf8');
    // Attached to the installed binary only (electron-builder installs the app under /opt/<product name>/), and
    // allowing the user namespace, unconfined otherwise.
    expect(profile).toMatch(/^profile "\$\{executable\}" "\/opt\/\$\{sanitizedProductName\}\/\$\{executable\}" flags=\(unconfined\) \{$/m);
    expect(profile).toMatch(/^\s*userns,$/m);
    expect(profile).toMatch(/^abi <abi\/4\.0>,$/m);
    // electron-builder's own after-install script copies the profile to /etc/apparmor.d and loads it: not replaced.
    expect(config.deb?.afterInstall ?? null).toBeNull();
  });

  it('never starts the app with --no-sandbox', () => {
    expect(config.linux?.executableArgs ?? []).not.toContain('--no-sandbox');
    expect(config.deb?.executableArgs ?? []).not.toContain('--no-sandbox');
    expect(config.appImage?.executableArgs ?? []).not.toContain('--no-sandbox');
    expect(readFileSync(join(PROJECT_ROOT, 'electron-builder.yml'), 'utf8')).not.toMatch(/^\s*-\s*--no-sandbox/m);
    for (const file of ['app.ts', 'main.ts', 'window.ts', 'security.ts', 'dev-run.ts']) {
      expect(readFileSync(join(PROJECT_ROOT, 'electron', 'main', file), 'utf8'), file).not.toMatch(/appendSwitch\(\s*['"]no-sandbox|--no-sandbox|disable-setuid-sandbox/);
    }
  });

  it('builds a deb and an AppImage for Linux, with a maintainer, a category, its icons and libsecret', () => {
    expect(config.linux?.category).toBe('Utility');
    expect(config.linux?.maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/);
    expect(config.linux?.icon).toBe('build/icons');
    for (const size of [16, 32, 48, 64, 128, 256, 512]) expect(existsSync(join(PROJECT_ROOT, 'build', 'icons', `${size}x${size}.png`)), `${size}x${size}.png`).toBe(true);
    expect(config.deb?.depends).toEqual(expect.arrayContaining(['libsecret-1-0', 'libnss3', 'libgtk-3-0']));
  });

  it('builds a dmg for macOS (hardened runtime, a category) and an NSIS installer for Windows, each with its icon', () => {
    expect(targetNames(config.mac?.target)).toEqual(['dmg']);
    expect(config.mac?.category).toBe('public.app-category.developer-tools');
    expect(config.mac?.hardenedRuntime).toBe(true);
    // Electron 45's notifications on macOS (UNNotification): actions need a signed, notarised app whose reminders
    // are alerts. Credentials come from the environment only: none is written in the configuration.
    expect(config.mac?.notarize).toBe(true);
    expect(config.mac?.extendInfo).toEqual({ NSUserNotificationAlertStyle: 'alert' });
    expect(config.mac?.identity).toBeUndefined();
    expect(targetNames(config.win?.target)).toEqual(['nsis']);
    for (const icon of [config.mac?.icon, config.win?.icon]) {
      expect(typeof icon).toBe('string');
      expect(existsSync(join(PROJECT_ROOT, icon as string)), icon as string).toBe(true);
    }
    expect(existsSync(join(PROJECT_ROOT, 'build', 'icon.png'))).toBe(true);
  });

  it('is what npm run dist runs, after the build', () => {
    expect(packageJson.scripts.dist).toBe('npm run build && electron-builder --publish never');
  });
});
