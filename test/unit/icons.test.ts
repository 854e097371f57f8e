/**
 * Keywarden's icons (tools/icons/make-icons.mjs draws them into build/, where they are committed): every file
 * electron-builder and the tray use is there, each PNG is a valid 8-bit RGBA image of its declared size, the .ico
 * and .icns hold the sizes they should, the three tray states are told apart, the macOS templates are black and
 * alpha only, and the script draws the same thing every time: the same bytes from one run to the next, and the
 * same pixels as the committed files (compared decoded, since another zlib may compress the same pixels otherwise).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/cli.js';

type Icons = typeof import('../../tools/icons/make-icons.mjs', { with: { 'resolution-mode': 'import' } });
type Png = typeof import('../../tools/icons/png.mjs', { with: { 'resolution-mode': 'import' } });
type IconFile = ReturnType<Icons['iconFiles']>[number];

const BUILD = join(PROJECT_ROOT, 'build');
const SCRIPT = join(PROJECT_ROOT, 'tools', 'icons', 'make-icons.mjs');
let icons: Icons;
let png: Png;
let fresh: IconFile[];
let folder: string;

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

beforeAll(async () => {
  icons = await import('../../tools/icons/make-icons.mjs');
  png = await import('../../tools/icons/png.mjs');
  fresh = icons.iconFiles();
  folder = mkdtempSync(join(tmpdir(), 'keywarden-icons-'));
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('the committed icons', () => {
  it('are exactly the files the script writes', () => {
    // Every image in build/ is the script's (the other files: the folder's README, and the deb's AppArmor profile).
    expect(filesUnder(BUILD).filter((path) => path !== 'README.md' && path !== 'linux/apparmor-profile')).toEqual(fresh.map((file) => file.path).sort());
    for (const name of [
      'icon.png',
      'icon.icns',
      'icon.ico',
      'icons/16x16.png',
      'icons/512x512.png',
      'tray/tray-overdue.png',
      'tray/tray-due-soon@2x.png',
      'tray/tray-clear.png',
      'tray/trayTemplate.png',
    ]) {
      expect(fresh.map((file) => file.path)).toContain(name);
    }
  });

  it('are valid 8-bit RGBA PNGs of their declared sizes', () => {
    for (const file of fresh.filter((entry) => entry.size !== null)) {
      const header = png.readPngHeader(readFileSync(join(BUILD, file.path)));
      expect({ path: file.path, ...header }).toEqual({ path: file.path, width: file.size, height: file.size, bitDepth: 8, colourType: 6, interlace: 0 });
    }
    expect(png.readPngHeader(readFileSync(join(BUILD, 'icon.png')))).toMatchObject({ width: 1024, height: 1024 });
    for (const size of icons.LINUX_SIZES) expect(png.readPngHeader(readFileSync(join(BUILD, 'icons', `${size}x${size}.png`)))).toMatchObject({ width: size, height: size });
  });

  it('hold the pixels the script draws now', () => {
    for (const file of fresh) {
      const committed = readFileSync(join(BUILD, file.path));
      if (file.size === null) {
        // The containers embed the PNGs: the same PNGs, compared below through their pixels.
        expect(committed.length, file.path).toBeGreaterThan(0);
        continue;
      }
      expect(Buffer.from(png.decodePng(committed).rgba).equals(Buffer.from(png.decodePng(file.bytes).rgba)), `${file.path} differs from a fresh drawing: run "npm run icons"`).toBe(true);
    }
  });

  it('the .ico holds PNGs from 16 to 256 px, and the .icns every macOS size up to 1024 px', () => {
    const ico = readFileSync(join(BUILD, 'icon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const sizes = [];
    for (let i = 0; i < ico.readUInt16LE(4); i++) {
      const entry = 6 + 16 * i;
      const image = ico.subarray(ico.readUInt32LE(entry + 12), ico.readUInt32LE(entry + 12) + ico.readUInt32LE(entry + 8));
      const { width, height } = png.readPngHeader(image);
      expect([width, height]).toEqual([ico[entry] || 256, ico[entry + 1] || 256]);
      sizes.push(width);
    }
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);

    const icns = readFileSync(join(BUILD, 'icon.icns'));
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types: Record<string, number> = {};
    for (let offset = 8; offset < icns.length; offset += icns.readUInt32BE(offset + 4)) {
      types[icns.toString('latin1', offset, offset + 4)] = png.readPngHeader(icns.subarray(offset + 8, offset + icns.readUInt32BE(offset + 4))).width;
    }
    expect(types).toEqual({ icp4: 16, icp5: 32, icp6: 64, ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 });
  });

  it('tell the three tray states apart: a red dot, an amber dot, none', () => {
    const pixels = (name: string) => png.decodePng(readFileSync(join(BUILD, 'tray', name))).rgba;
    /** The badge's centre pixel at 32 px (the dot sits at 12.5, 12.5 in 16 px units). */
    const badge = (name: string) => Array.from(pixels(name).subarray((25 * 32 + 25) * 4, (25 * 32 + 25) * 4 + 4));
    const [overdue, dueSoon, clear] = [badge('tray-overdue@2x.png'), badge('tray-due-soon@2x.png'), badge('tray-clear@2x.png')];
    expect(overdue[0]! > 200 && overdue[1]! < 100 && overdue[3] === 255, `overdue ${overdue.join()}`).toBe(true);
    expect(dueSoon[0]! > 200 && dueSoon[1]! > 140 && dueSoon[2]! < 80 && dueSoon[3] === 255, `due soon ${dueSoon.join()}`).toBe(true);
    // No dot: the shield's blue, or nothing past its edge.
    expect(clear[3] === 0 || clear[2]! > clear[0]!, `clear ${clear.join()}`).toBe(true);
    for (const size of ['', '@2x']) {
      const states = ['overdue', 'due-soon', 'clear'].map((state) => Buffer.from(pixels(`tray-${state}${size}.png`)));
      expect(states[0]!.equals(states[1]!) || states[1]!.equals(states[2]!) || states[0]!.equals(states[2]!)).toBe(false);
    }
  });

  it('the macOS templates are black with alpha only (macOS tints them to the menu bar)', () => {
    for (const name of ['trayTemplate.png', 'trayTemplate@2x.png', 'trayAttentionTemplate.png', 'trayAttentionTemplate@2x.png']) {
      const rgba = png.decodePng(readFileSync(join(BUILD, 'tray', name))).rgba;
      let opaque = 0;
      for (let i = 0; i < rgba.length; i += 4) {
        if (rgba[i + 3] === 0) continue;
        opaque++;
        expect([rgba[i], rgba[i + 1], rgba[i + 2]], name).toEqual([0, 0, 0]);
      }
      expect(opaque).toBeGreaterThan(rgba.length / 4 / 4);
    }
  });
});

describe('make-icons.mjs', () => {
  it('writes the same bytes on every run', async () => {
    const run = promisify(execFile);
    const [first, second] = [join(folder, 'first'), join(folder, 'second')];
    await Promise.all([run(process.execPath, [SCRIPT, '--out', first]), run(process.execPath, [SCRIPT, '--out', second])]);
    const names = filesUnder(first);
    expect(names).toEqual(filesUnder(second));
    expect(names).toEqual(fresh.map((file) => file.path).sort());
    for (const name of names) expect(readFileSync(join(first, name)).equals(readFileSync(join(second, name))), name).toBe(true);
    // The child processes drew what this process drew.
    for (const file of fresh) expect(readFileSync(join(first, file.path)).equals(file.bytes), file.path).toBe(true);
  });
});
