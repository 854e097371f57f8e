// @ts-check
/**
 * The few image formats Keywarden's icons need, written with Node's zlib and nothing else: PNG (RGBA, 8 bits per
 * channel), and the two containers that hold PNGs as they are: Windows' .ico and macOS' .icns. Also a PNG reader
 * for the tests (it decodes what this writer writes: 8-bit RGBA, not interlaced).
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(/** @type {string} */ type, /** @type {Buffer} */ data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** Paeth predictor (PNG specification, 9.4). */
function paeth(/** @type {number} */ a, /** @type {number} */ b, /** @type {number} */ c) {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Encodes straight (not premultiplied) RGBA pixels as a PNG. Each row gets the filter with the smallest sum of
 * absolute values (the usual heuristic), which keeps flat-coloured icons small; the choice depends on the pixels
 * only, so the same pixels always give the same bytes with the same zlib.
 * @param {number} width
 * @param {number} height
 * @param {Uint8Array} rgba  width * height * 4 bytes
 */
export function encodePng(width, height, rgba) {
  const stride = width * 4;
  const filtered = Buffer.alloc((stride + 1) * height);
  const candidate = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const row = rgba.subarray(y * stride, (y + 1) * stride);
    const above = y > 0 ? rgba.subarray((y - 1) * stride, y * stride) : null;
    let best = -1;
    let bestSum = Infinity;
    for (let filter = 0; filter <= 4; filter++) {
      let sum = 0;
      for (let i = 0; i < stride; i++) {
        const left = i >= 4 ? (row[i - 4] ?? 0) : 0;
        const up = above ? (above[i] ?? 0) : 0;
        const upLeft = above && i >= 4 ? (above[i - 4] ?? 0) : 0;
        const value = row[i] ?? 0;
        const predicted = filter === 0 ? 0 : filter === 1 ? left : filter === 2 ? up : filter === 3 ? (left + up) >> 1 : paeth(left, up, upLeft);
        const out = (value - predicted) & 0xff;
        candidate[i] = out;
        sum += out < 128 ? out : 256 - out;
      }
      if (sum < bestSum) {
        bestSum = sum;
        best = filter;
        filtered[y * (stride + 1)] = filter;
        candidate.copy(filtered, y * (stride + 1) + 1);
      }
    }
    if (best < 0) throw new Error('no filter chosen');
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // colour type: RGBA
  // compression, filter method, interlace: all 0
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(filtered, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * What a PNG declares in its IHDR chunk, after checking the signature and the chunk's CRC.
 * @param {Buffer} png
 */
export function readPngHeader(png) {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: wrong signature');
  if (png.readUInt32BE(8) !== 13 || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG: IHDR is not the first chunk');
  if (crc32(png.subarray(12, 29)) !== png.readUInt32BE(29)) throw new Error('not a PNG: IHDR fails its CRC');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bitDepth: png[24], colourType: png[25], interlace: png[28] };
}

/**
 * Decodes a PNG written by encodePng (8-bit RGBA, not interlaced) into its pixels; checks every chunk's CRC.
 * @param {Buffer} png
 */
export function decodePng(png) {
  const { width, height, bitDepth, colourType, interlace } = readPngHeader(png);
  if (bitDepth !== 8 || colourType !== 6 || interlace !== 0) throw new Error('only 8-bit RGBA PNGs without interlacing are read here');
  /** @type {Buffer[]} */
  const data = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (crc32(png.subarray(offset + 4, offset + 8 + length)) !== png.readUInt32BE(offset + 8 + length)) throw new Error(`chunk ${type} fails its CRC`);
    if (type === 'IDAT') data.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const filtered = inflateSync(Buffer.concat(data));
  const stride = width * 4;
  const rgba = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = filtered[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const raw = filtered[y * (stride + 1) + 1 + i] ?? 0;
      const left = i >= 4 ? (rgba[y * stride + i - 4] ?? 0) : 0;
      const up = y > 0 ? (rgba[(y - 1) * stride + i] ?? 0) : 0;
      const upLeft = y > 0 && i >= 4 ? (rgba[(y - 1) * stride + i - 4] ?? 0) : 0;
      const predicted = filter === 0 ? 0 : filter === 1 ? left : filter === 2 ? up : filter === 3 ? (left + up) >> 1 : paeth(left, up, upLeft);
      rgba[y * stride + i] = (raw + predicted) & 0xff;
    }
  }
  return { width, height, rgba };
}

/**
 * A Windows icon (.ico) holding PNG images, which Windows Vista and later read directly.
 * @param {{ size: number, png: Buffer }[]} images  sizes up to 256
 */
export function encodeIco(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  const entries = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const entry = Buffer.alloc(16);
    entry[0] = size >= 256 ? 0 : size; // 0 means 256
    entry[1] = size >= 256 ? 0 : size;
    entry[2] = 0; // no palette
    entry[3] = 0;
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(entry);
  }
  return Buffer.concat([header, ...entries, ...images.map((image) => image.png)]);
}

/**
 * A macOS icon (.icns) holding PNG images, one per OSType (icp4 16 px, icp5 32, icp6 64, ic07 128, ic08 256,
 * ic09 512, ic10 1024 (512@2x), ic11 32 (16@2x), ic12 64 (32@2x), ic13 256 (128@2x), ic14 512 (256@2x)).
 * @param {{ type: string, png: Buffer }[]} images
 */
export function encodeIcns(images) {
  const parts = images.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + parts.reduce((total, part) => total + part.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}
