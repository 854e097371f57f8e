#!/usr/bin/env node
// @ts-check
/**
 * Draws Keywarden's icons and writes them into build/ (electron-builder's buildResources), as committed files:
 *
 *   build/icon.png                    1024 x 1024, the app icon (macOS, Windows and Linux all start from it)
 *   build/icon.icns, build/icon.ico   the same, as macOS and Windows containers of hand-tuned small sizes
 *   build/icons/<n>x<n>.png           Linux sizes 16 to 512 (electron-builder's linux.icon folder)
 *   build/tray/tray-<state>.png       the tray: overdue (red dot), due-soon (amber dot), clear; 16 px, and 32 px in
 *                                     tray-<state>@2x.png for high-density screens
 *   build/tray/tray[Attention]Template.png  macOS menu-bar templates (black and alpha only; macOS tints them)
 *
 *   node tools/icons/make-icons.mjs [--out DIR]     (npm run icons)
 *
 * The drawing: a white shield with a keyhole, the key's guardian, on a rounded square in the console's blue. Shapes
 * are signed distance functions sampled at pixel centres, which gives clean anti-aliased edges at every size; small
 * sizes get their own proportions (a larger glyph, a wider keyhole) rather than a shrunken 1024 px drawing. Only
 * exactly rounded arithmetic is used (no trigonometry), so the same script draws the same pixels everywhere;
 * test/unit/icons.test.ts checks the committed files against a fresh drawing.
 */
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeIcns, encodeIco, encodePng } from './png.mjs';

// ---------------------------------------------------------------------------------------------------------------
// Geometry: signed distances (negative inside), in the units of the shape's own coordinates

/** @typedef {[number, number]} Point */
/** @typedef {(x: number, y: number) => number} Sdf */

const clamp = (/** @type {number} */ v, /** @type {number} */ lo, /** @type {number} */ hi) => (v < lo ? lo : v > hi ? hi : v);

/** A rectangle centred on (cx, cy) with half-sizes hw, hh and corner radius r. */
function roundedRect(/** @type {number} */ cx, /** @type {number} */ cy, /** @type {number} */ hw, /** @type {number} */ hh, /** @type {number} */ r) {
  return (/** @type {number} */ x, /** @type {number} */ y) => {
    const qx = Math.abs(x - cx) - hw + r;
    const qy = Math.abs(y - cy) - hh + r;
    const outside = Math.sqrt(Math.max(qx, 0) ** 2 + Math.max(qy, 0) ** 2);
    return outside + Math.min(Math.max(qx, qy), 0) - r;
  };
}

function circle(/** @type {number} */ cx, /** @type {number} */ cy, /** @type {number} */ r) {
  return (/** @type {number} */ x, /** @type {number} */ y) => Math.sqrt((x - cx) ** 2 + (y - cy) ** 2) - r;
}

/** A closed polygon (even-odd rule), optionally rounded by `round` (every corner, the outline grown by it). */
function polygon(/** @type {Point[]} */ points, round = 0) {
  return (/** @type {number} */ x, /** @type {number} */ y) => {
    let best = Infinity;
    let inside = false;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const [ax, ay] = /** @type {Point} */ (points[j]);
      const [bx, by] = /** @type {Point} */ (points[i]);
      const ex = bx - ax;
      const ey = by - ay;
      const t = clamp(((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey), 0, 1);
      const dx = x - ax - ex * t;
      const dy = y - ay - ey * t;
      best = Math.min(best, dx * dx + dy * dy);
      if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
    }
    return (inside ? -1 : 1) * Math.sqrt(best) - round;
  };
}

const union =
  (/** @type {Sdf[]} */ ...shapes) =>
  (/** @type {number} */ x, /** @type {number} */ y) =>
    Math.min(...shapes.map((shape) => shape(x, y)));

/** Points along a cubic Bézier from p0 to p3 (p0 itself left out, so paths join without repeating a point). */
function cubic(/** @type {Point} */ p0, /** @type {Point} */ p1, /** @type {Point} */ p2, /** @type {Point} */ p3, steps = 24) {
  /** @type {Point[]} */
  const points = [];
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    const u = 1 - t;
    const a = u * u * u;
    const b = 3 * u * u * t;
    const c = 3 * u * t * t;
    const d = t * t * t;
    points.push([a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]]);
  }
  return points;
}

/**
 * The shield, in a box from (0, 0) to (1, 1): a gently arched top, straight sides to just under half its height, and
 * curves meeting in a point. `round` softens its corners (in the same units).
 */
function shieldOutline() {
  /** @type {Point} */ const topLeft = [0, 0.09];
  /** @type {Point} */ const topRight = [1, 0.09];
  /** @type {Point} */ const sideRight = [1, 0.5];
  /** @type {Point} */ const tip = [0.5, 1];
  /** @type {Point} */ const sideLeft = [0, 0.5];
  return [
    topLeft,
    ...cubic(topLeft, [0.2, 0.07], [0.38, 0], [0.5, 0], 12),
    ...cubic([0.5, 0], [0.62, 0], [0.8, 0.07], topRight, 12),
    sideRight,
    ...cubic(sideRight, [1, 0.74], [0.78, 0.9], tip, 24),
    ...cubic(tip, [0.22, 0.9], [0, 0.74], sideLeft, 24),
  ];
}

/** The outline placed in a box of width w at (x, y) (its height is w * 1.18), as absolute points. */
function placeShield(/** @type {number} */ x, /** @type {number} */ y, /** @type {number} */ w) {
  const h = w * 1.18;
  return shieldOutline().map(([px, py]) => /** @type {Point} */ ([x + px * w, y + py * h]));
}

/**
 * A keyhole: a round head and a flared slot below it.
 * @param {number} cx  centre of the head
 * @param {number} cy
 * @param {number} r   radius of the head
 * @param {number} slot  length of the slot below the head's centre
 * @param {number} top   half-width of the slot where it leaves the head
 * @param {number} bottom  half-width at its foot
 * @param {number} round   rounding of the slot's corners
 */
function keyhole(cx, cy, r, slot, top, bottom, round) {
  return union(
    circle(cx, cy, r),
    polygon(
      [
        [cx - top + round, cy],
        [cx + top - round, cy],
        [cx + bottom - round, cy + slot - round],
        [cx - bottom + round, cy + slot - round],
      ],
      round,
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Painting: premultiplied RGBA in floats, shapes composited over each other

/** @typedef {[number, number, number, number]} Rgba  straight colour, 0..1 */

/** "#rrggbb" to a colour, with an alpha. */
function hex(/** @type {string} */ value, alpha = 1) {
  const n = Number.parseInt(value.slice(1), 16);
  return /** @type {Rgba} */ ([((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255, alpha]);
}

const mix = (/** @type {Rgba} */ a, /** @type {Rgba} */ b, /** @type {number} */ t) => /** @type {Rgba} */ (a.map((v, i) => v + ((b[i] ?? 0) - v) * t));

class Canvas {
  /** @param {number} size  width and height in pixels; shapes are given in units of `size / units` pixels */
  constructor(size, units = size) {
    this.size = size;
    this.scale = size / units;
    this.pixels = new Float64Array(size * size * 4);
  }

  /**
   * Paints `paint` where `shape` is, composited over what is there. Coverage comes from the signed distance at the
   * pixel's centre, over one pixel: `soften` widens that ramp (in pixels) for a shadow.
   * @param {Sdf} shape
   * @param {(x: number, y: number) => Rgba} paint  colour at a point (in units)
   * @param {{ soften?: number, erase?: boolean }} [options]  erase: cut the shape out instead (destination-out)
   */
  fill(shape, paint, options = {}) {
    const soften = options.soften ?? 1;
    for (let py = 0; py < this.size; py++) {
      for (let px = 0; px < this.size; px++) {
        const x = (px + 0.5) / this.scale;
        const y = (py + 0.5) / this.scale;
        const distance = shape(x, y) * this.scale;
        const coverage = clamp(0.5 - distance / soften, 0, 1);
        if (coverage === 0) continue;
        const [r, g, b, a] = paint(x, y);
        const alpha = a * coverage;
        const i = (py * this.size + px) * 4;
        const keep = 1 - alpha;
        const p = this.pixels;
        if (options.erase) {
          for (let c = 0; c < 4; c++) p[i + c] = (p[i + c] ?? 0) * keep;
        } else {
          p[i] = r * alpha + (p[i] ?? 0) * keep;
          p[i + 1] = g * alpha + (p[i + 1] ?? 0) * keep;
          p[i + 2] = b * alpha + (p[i + 2] ?? 0) * keep;
          p[i + 3] = alpha + (p[i + 3] ?? 0) * keep;
        }
      }
    }
  }

  /** Straight 8-bit RGBA, as PNG wants it. */
  rgba() {
    const out = new Uint8Array(this.size * this.size * 4);
    for (let i = 0; i < out.length; i += 4) {
      const a = this.pixels[i + 3] ?? 0;
      if (a <= 0) continue;
      for (let c = 0; c < 3; c++) out[i + c] = Math.round(clamp((this.pixels[i + c] ?? 0) / a, 0, 1) * 255);
      out[i + 3] = Math.round(clamp(a, 0, 1) * 255);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The app icon

/** The console's accent (renderer/src/styles.css --accent #1f5fbf), lit from above. */
const BLUE_TOP = hex('#3478e0');
const BLUE_BOTTOM = hex('#1a4b9c');
const WHITE = hex('#ffffff');
const SHIELD_BOTTOM = hex('#e3ebf8');

/**
 * Proportions by size, in units of a 1024 canvas: a large icon keeps macOS's margin (824 of 1024, the body every
 * macOS app icon shares) and a shadow; small ones use more of the square and a bolder shield and keyhole, so they
 * stay legible. The keyhole's head, radius, slot length and the slot's half-widths (top, foot) are fractions of the
 * shield's width; at 16 px they are whole pixels (64 units), on the pixel grid, so the keyhole stays crisp.
 * @param {number} size
 */
function appIconLayout(size) {
  const large = { at: 0.4, r: 0.115, slot: 0.34, top: 0.05, bottom: 0.085 };
  const scaled = (/** @type {number} */ k) => ({ at: 0.4, r: large.r * k, slot: large.slot * k, top: large.top * k, bottom: large.bottom * k });
  if (size >= 128) return { margin: 100, radius: 185, shieldWidth: 440, keyhole: large, shadow: true };
  if (size >= 48) return { margin: 40, radius: 190, shieldWidth: 520, keyhole: scaled(1.1), shadow: false };
  if (size >= 24) return { margin: 16, radius: 200, shieldWidth: 600, keyhole: scaled(1.3), shadow: false };
  // 16 px: a 10 px shield; the head is 4 px across on pixels 6-9, the slot 2 px wide (pixels 7-8) down to row 11.
  const w = 640;
  return { margin: 0, radius: 200, shieldWidth: w, keyhole: { at: null, r: 128 / w, slot: 256 / w, top: 64 / w, bottom: 64 / w }, shadow: false };
}

/** The app icon at `size` pixels. */
export function drawAppIcon(/** @type {number} */ size) {
  const canvas = new Canvas(size, 1024);
  const layout = appIconLayout(size);
  const half = 512 - layout.margin;
  const body = roundedRect(512, 512, half, half, layout.radius * (half / 412));
  const top = layout.margin;
  const bottom = 1024 - layout.margin;
  const background = (/** @type {number} */ _x, /** @type {number} */ y) => mix(BLUE_TOP, BLUE_BOTTOM, clamp((y - top) / (bottom - top), 0, 1));
  canvas.fill(body, background);

  const w = layout.shieldWidth;
  const h = w * 1.18;
  const sx = 512 - w / 2;
  const sy = 512 - h / 2 + w * 0.01;
  const round = w * 0.05;
  // The outline is drawn inset by `round` and grown back by it, which rounds every corner, the tip included.
  const inset = placeShield(sx + round, sy + round, w - 2 * round);
  const shield = polygon(inset, round);
  if (layout.shadow) {
    const shadow = polygon(
      inset.map(([x, y]) => /** @type {Point} */ ([x, y + 18])),
      round,
    );
    canvas.fill(shadow, () => hex('#0b2a5e', 0.35), { soften: (36 * size) / 1024 });
  }
  canvas.fill(shield, (_x, y) => mix(WHITE, SHIELD_BOTTOM, clamp((y - sy) / h, 0, 1)));
  const k = layout.keyhole;
  const cy = k.at === null ? 448 : sy + h * k.at;
  const hole = keyhole(512, cy, w * k.r, w * k.slot, w * k.top, w * k.bottom, Math.min(w * k.top, w * 0.012));
  // Cut out, then refilled with the square's own gradient: the keyhole looks through the shield.
  canvas.fill(hole, () => [0, 0, 0, 1], { erase: true });
  canvas.fill(hole, background);
  return canvas.rgba();
}

// ---------------------------------------------------------------------------------------------------------------
// The tray

/** @typedef {'overdue' | 'due-soon' | 'clear'} TrayState */

/** The badge colours: the console's overdue red and due-soon amber, brightened to read on dark and light panels. */
const BADGE = { overdue: hex('#e5443a'), 'due-soon': hex('#f5a623') };
const TRAY_BLUE_TOP = hex('#4a8ef0');
const TRAY_BLUE_BOTTOM = hex('#2563c9');

/**
 * The tray icon, in units of a 16 px canvas (`size` 16, or 32 for the files named ...@2x.png): the shield alone, in the console's blue
 * with a white keyhole, and for a due state a dot at its lower right, set apart from the shield by a clear ring.
 * @param {number} size
 * @param {TrayState | 'template' | 'template-attention'} state  the templates are black on transparent (macOS)
 */
export function drawTrayIcon(size, state) {
  const canvas = new Canvas(size, 16);
  const template = state === 'template' || state === 'template-attention';
  const badged = state === 'overdue' || state === 'due-soon' || state === 'template-attention';
  const w = 12.4;
  const sx = 8 - w / 2;
  const sy = 0.6;
  const h = w * 1.18;
  const round = 0.55;
  const shield = polygon(placeShield(sx + round, sy + round, w - 2 * round), round);
  const black = hex('#000000');
  canvas.fill(shield, template ? () => black : (_x, y) => mix(TRAY_BLUE_TOP, TRAY_BLUE_BOTTOM, clamp((y - sy) / h, 0, 1)));
  // On the pixel grid at 16 px: the head on pixels 6-9 and rows 4-7, the slot on pixels 7-8 down to row 9.
  const hole = keyhole(8, 6, 2, 4, 1, 1.2, 0.2);
  if (template) canvas.fill(hole, () => black, { erase: true });
  else canvas.fill(hole, () => WHITE);
  if (badged) {
    // Clear of the keyhole's slot, over the shield's lower right and past it.
    const [cx, cy, r, gap] = [12.5, 12.5, 3, 1];
    canvas.fill(circle(cx, cy, r + gap), () => black, { erase: true });
    canvas.fill(circle(cx, cy, r), () => (template ? black : state === 'overdue' ? BADGE.overdue : BADGE['due-soon']));
  }
  return canvas.rgba();
}

// ---------------------------------------------------------------------------------------------------------------
// The files

export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** macOS's icon types, each with its pixel size. */
const ICNS_TYPES = /** @type {const} */ ([
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
]);
export const TRAY_STATES = /** @type {TrayState[]} */ (['overdue', 'due-soon', 'clear']);

/**
 * Every file, by its path under build/, with the pixel size each PNG must have.
 * @returns {{ path: string, bytes: Buffer, size: number | null }[]}
 */
export function iconFiles() {
  /** @type {Map<number, Buffer>} */
  const app = new Map();
  const appPng = (/** @type {number} */ size) => {
    let png = app.get(size);
    if (!png) app.set(size, (png = encodePng(size, size, drawAppIcon(size))));
    return png;
  };
  const tray = (/** @type {number} */ size, /** @type {Parameters<typeof drawTrayIcon>[1]} */ state) => encodePng(size, size, drawTrayIcon(size, state));
  return [
    { path: 'icon.png', bytes: appPng(1024), size: 1024 },
    { path: 'icon.icns', bytes: encodeIcns(ICNS_TYPES.map(([type, size]) => ({ type, png: appPng(size) }))), size: null },
    { path: 'icon.ico', bytes: encodeIco(ICO_SIZES.map((size) => ({ size, png: appPng(size) }))), size: null },
    ...LINUX_SIZES.map((size) => ({ path: `icons/${size}x${size}.png`, bytes: appPng(size), size })),
    ...TRAY_STATES.flatMap((state) => [
      { path: `tray/tray-${state}.png`, bytes: tray(16, state), size: 16 },
      { path: `tray/tray-${state}@2x.png`, bytes: tray(32, state), size: 32 },
    ]),
    { path: 'tray/trayTemplate.png', bytes: tray(16, 'template'), size: 16 },
    { path: 'tray/trayTemplate@2x.png', bytes: tray(32, 'template'), size: 32 },
    { path: 'tray/trayAttentionTemplate.png', bytes: tray(16, 'template-attention'), size: 16 },
    { path: 'tray/trayAttentionTemplate@2x.png', bytes: tray(32, 'template-attention'), size: 32 },
  ];
}

/** Writes every file under `out` (default: the project's build/). */
export function writeIcons(out = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'build')) {
  const files = iconFiles();
  for (const file of files) {
    mkdirSync(dirname(join(out, file.path)), { recursive: true });
    writeFileSync(join(out, file.path), file.bytes);
  }
  return files;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = at >= 0 ? process.argv[at + 1] : undefined;
  const files = writeIcons(out ? resolve(out) : undefined);
  process.stdout.write(`wrote ${files.length} files into ${out ?? 'build/'}\n`);
}
