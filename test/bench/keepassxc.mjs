/**
 * The comparison the product brief names: "listing 10k keys offline should take well under half a
 * second, less than keepassxc-cli needs to search a 10k-entry database".
 *
 * Optional: measured only where `keepassxc-cli` is installed (Debian: `apt-get install keepassxc`);
 * otherwise the figure is recorded as { skipped: reason }. The 10k entries are imported from a
 * KeePass XML file into a password-protected .kdbx twice: with `keepassxc-cli import`'s default key
 * derivation, and with a 1 s decryption target (-t 1000). Each search opens the database (key
 * derivation included) and searches it, as a script would.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENTS, SERVICES } from './fixtures.mjs';
import { figure, interleaved, progress, timedSpawn } from './lib.mjs';

const PASSWORD = 'bench-password';

export function keepassxcAvailable() {
  const found = spawnSync('sh', ['-c', 'command -v keepassxc-cli'], { encoding: 'utf8' });
  if (found.status !== 0) return { ok: false, reason: 'keepassxc-cli not installed (apt-get install keepassxc)' };
  const version = spawnSync('keepassxc-cli', ['--version'], { encoding: 'utf8' });
  return { ok: true, path: found.stdout.trim(), version: (version.stdout || version.stderr).trim() };
}

const escapeXml = (text) => text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
const uuid = () => randomBytes(16).toString('base64');

/** A KeePass 2 XML export with `count` entries named like the bench's keys (one in twenty contains "payments"). */
function writeXml(file, count) {
  const entries = [];
  for (let index = 0; index < count; index++) {
    const title = `${SERVICES[index % SERVICES.length]}-${ENVIRONMENTS[index % ENVIRONMENTS.length]}-${index.toString(36).padStart(4, '0')}`;
    entries.push(
      `<Entry><UUID>${uuid()}</UUID>` +
        `<String><Key>Title</Key><Value>${escapeXml(title)}</Value></String>` +
        `<String><Key>UserName</Key><Value>${escapeXml(title)}</Value></String>` +
        `<String><Key>Password</Key><Value ProtectInMemory="True">${randomBytes(36).toString('base64url')}</Value></String>` +
        `<String><Key>URL</Key><Value>https://nitrobox.example.com</Value></String>` +
        `<String><Key>Notes</Key><Value>created by bench</Value></String></Entry>`,
    );
  }
  writeFileSync(
    file,
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<KeePassFile><Meta><Generator>keywarden-bench</Generator><DatabaseName>bench</DatabaseName></Meta>` +
      `<Root><Group><UUID>${uuid()}</UUID><Name>Root</Name>${entries.join('')}</Group></Root></KeePassFile>\n`,
  );
}

async function importDatabase(xml, kdbx, extraArgs) {
  const imported = await timedSpawn('keepassxc-cli', ['import', '-q', '-p', ...extraArgs, xml, kdbx], { input: `${PASSWORD}\n${PASSWORD}\n`, timeoutMs: 300_000 });
  const info = await timedSpawn('keepassxc-cli', ['db-info', '-q', kdbx], { input: `${PASSWORD}\n` });
  const field = (name) => new RegExp(`^${name}: (.*)$`, 'm').exec(info.stdout)?.[1] ?? null;
  return { importMs: Math.round(imported.ms), kdf: field('KDF'), cipher: field('Cipher'), entries: Number(field('Number of entries')) };
}

/**
 * `companions` are extra cases (name to async () => ms) run interleaved with the first variant's
 * searches, so that Keywarden's figures next to keepassxc's come from the same minutes of machine load.
 */
export async function measureKeepassxc({ workDir, count, term, runs, slowRuns, companions = {} }) {
  const available = keepassxcAvailable();
  if (!available.ok) return { skipped: available.reason };
  const xml = join(workDir, 'entries.xml');
  writeXml(xml, count);
  const variants = [
    { id: 'import_default_kdf', args: [], runs, companions },
    { id: 'decryption_time_1s', args: ['-t', '1000'], runs: slowRuns, companions: {} },
  ];
  const result = { version: available.version, entries: count, term };
  for (const variant of variants) {
    const kdbx = join(workDir, `${variant.id}.kdbx`);
    progress(`keepassxc: importing ${count} entries (${variant.id})`);
    const database = await importDatabase(xml, kdbx, variant.args);
    if (database.entries !== count) throw new Error(`keepassxc-cli imported ${database.entries} entries, expected ${count}`);
    progress(`keepassxc: ${variant.runs} searches (${variant.id})${Object.keys(variant.companions).length ? `, interleaved with ${Object.keys(variant.companions).join(', ')}` : ''}`);
    let matches = null;
    const samples = await interleaved(
      {
        search: async () => {
          const searched = await timedSpawn('keepassxc-cli', ['search', '-q', kdbx, term], { input: `${PASSWORD}\n` });
          matches = searched.stdout.trim().split('\n').filter(Boolean).length;
          return searched.ms;
        },
        ...variant.companions,
      },
      variant.runs,
      1,
    );
    result[variant.id] = { search: figure('ms', samples.search, { matches }), ...database, importArgs: variant.args.join(' ') || '(none)' };
    for (const name of Object.keys(variant.companions)) result[variant.id][name] = figure('ms', samples[name]);
  }
  return result;
}
