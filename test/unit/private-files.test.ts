/**
 * Files only their owner can reach (electron/core/private-files.ts), on real files: a new 0600 file never written
 * through a link nor over an existing file (refused, or with --force replaced by a new file), the partial's name
 * never reused, a staged copy moved or copied across file systems, and the ownership checks with their fix.
 * The attacks are replayed by a second local user (nobody) in a shared sticky folder, as root; without root those
 * tests skip, saying why.
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeywardenError } from '../../electron/core/errors.js';
import { makePrivateFolder, openNewPrivateFile, placePrivateFile, requireOwnPath, writePrivateFile } from '../../electron/core/private-files.js';
import { asNobody, isRoot, makeSharedFolder, NOBODY, plantLink, SKIP_NOT_ROOT } from '../support/other-user.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;
let own: string;
const cleanup: string[] = [];

beforeEach(() => {
  own = mkdtempSync(join(tmpdir(), 'keywarden-private-'));
  cleanup.push(own);
});

afterEach(() => {
  for (const folder of cleanup.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function caught(fn: () => unknown): KeywardenError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardenError);
    return error as KeywardenError;
  }
  throw new Error('expected an error');
}

describe('writePrivateFile', () => {
  it('writes a new 0600 file and leaves no partial beside it', () => {
    const path = join(own, 'export.csv');
    expect(writePrivateFile(path, 'ref,name\n', { what: 'the export' })).toEqual({ path, bytes: 9 });
    expect(readFileSync(path, 'utf8')).toBe('ref,name\n');
    expect(modeOf(path)).toBe(0o600);
    expect(readdirSync(own)).toEqual(['export.csv']);
  });

  it('refuses an existing 0644 file, naming --force, and leaves it as it was; --force replaces it with a new 0600 file', () => {
    const path = join(own, 'export.csv');
    writeFileSync(path, 'the old export', { mode: 0o644 });
    chmodSync(path, 0o644);
    const before = statSync(path);
    const refused = caught(() => writePrivateFile(path, 'new', { what: 'the export' }));
    expect(refused.code).toBe('invalid_input');
    expect(refused.message).toMatch(/already exists; .*add --force to replace it with a new file only you can read/);
    expect(readFileSync(path, 'utf8')).toBe('the old export');
    expect(modeOf(path)).toBe(0o644);

    writePrivateFile(path, 'new', { what: 'the export', force: true });
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(modeOf(path)).toBe(0o600);
    // A new file, not the old one rewritten: whoever held the old one open keeps only the old text.
    expect(statSync(path).ino).not.toBe(before.ino);
    expect(readdirSync(own)).toEqual(['export.csv']);
  });

  it('names a missing folder, and a folder given as the file', () => {
    expect(caught(() => writePrivateFile(join(own, 'nope', 'x.csv'), 'x', { what: 'the export' })).message).toMatch(/the folder .*nope does not exist/);
    mkdirSync(join(own, 'dir'));
    expect(caught(() => writePrivateFile(join(own, 'dir'), 'x', { what: 'the export', force: true })).message).toMatch(/it is a folder; give a file name/);
  });

  describe.skipIf(!isRoot)(`in a shared sticky folder, against another user (${isRoot ? 'as root' : SKIP_NOT_ROOT})`, () => {
    let shared: string;
    let victim: string;

    beforeEach(() => {
      shared = makeSharedFolder();
      cleanup.push(shared);
      // The administrator's own file, e.g. ~/.bashrc, in a folder nobody cannot enter.
      victim = join(own, '.bashrc');
      writeFileSync(victim, 'export PATH=$HOME/bin:$PATH\n');
    });

    it("a link planted at the file's name is refused and its target is not written; --force replaces the link, not its target", () => {
      const path = join(shared, 'export.csv');
      plantLink(victim, path);
      const refused = caught(() => writePrivateFile(path, 'inventory', { what: 'the export' }));
      expect(refused.message).toMatch(/already exists \(a symbolic link\)/);
      expect(readFileSync(victim, 'utf8')).toBe('export PATH=$HOME/bin:$PATH\n');
      expect(readlinkSync(path)).toBe(victim);

      writePrivateFile(path, 'inventory', { what: 'the export', force: true });
      expect(readFileSync(victim, 'utf8')).toBe('export PATH=$HOME/bin:$PATH\n');
      const written = lstatSync(path);
      expect(written.isFile()).toBe(true);
      expect([written.uid, written.mode & 0o777]).toEqual([0, 0o600]);
      expect(readFileSync(path, 'utf8')).toBe('inventory');
    });

    it("a link or a file planted at a partial's name is never opened: the open fails and neither is written", () => {
      const link = join(shared, '.keywarden-planted.partial');
      plantLink(victim, link);
      expect(() => openNewPrivateFile(link)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
      const dangling = join(shared, '.keywarden-dangling.partial');
      plantLink(join(shared, 'stolen-copy'), dangling);
      expect(() => openNewPrivateFile(dangling)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
      expect(existsSync(join(shared, 'stolen-copy'))).toBe(false);
      const file = join(shared, '.keywarden-file.partial');
      asNobody('open(my $f, ">", $ARGV[0]) or die; print $f "nobody\'s"; close $f; chmod 0666, $ARGV[0]', file);
      expect(() => openNewPrivateFile(file)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
      expect(readFileSync(file, 'utf8')).toBe("nobody's");
      expect(readFileSync(victim, 'utf8')).toBe('export PATH=$HOME/bin:$PATH\n');
    });
  });
});

describe('placePrivateFile', () => {
  it('gives a staged copy its name without replacing an existing one, 0600', () => {
    const staging = makePrivateFolder(own, '.staging-');
    writeFileSync(join(staging, 'copy.db'), 'database bytes', { mode: 0o644 });
    const path = join(own, 'backup.db');
    expect(placePrivateFile(join(staging, 'copy.db'), path, { what: 'the backup' })).toEqual({ path, bytes: 14 });
    expect([readFileSync(path, 'utf8'), modeOf(path)]).toEqual(['database bytes', 0o600]);
    expect(caught(() => placePrivateFile(join(staging, 'copy.db'), path, { what: 'the backup', whenExists: 'a backup never overwrites a file' })).message).toMatch(
      /backup\.db already exists; a backup never overwrites a file/,
    );
  });

  it.skipIf(!existsSync('/dev/shm') || statSync('/dev/shm').dev === statSync(tmpdir()).dev)('copies through descriptors into a new private file on another file system', () => {
    const staging = makePrivateFolder('/dev/shm', 'keywarden-test-');
    cleanup.push(staging);
    writeFileSync(join(staging, 'copy.db'), Buffer.alloc(3 * 1024 * 1024 + 17, 7));
    const path = join(own, 'backup.db');
    expect(placePrivateFile(join(staging, 'copy.db'), path, { what: 'the backup' }).bytes).toBe(3 * 1024 * 1024 + 17);
    expect(readFileSync(path).equals(Buffer.alloc(3 * 1024 * 1024 + 17, 7))).toBe(true);
    expect(modeOf(path)).toBe(0o600);
    expect(readdirSync(own)).toEqual(['backup.db']);
  });
});

describe('makePrivateFolder', () => {
  it('makes a 0700 folder under a random name; refuses a parent others can write without the sticky bit', () => {
    const made = makePrivateFolder(own, '.staging-');
    expect(modeOf(made)).toBe(0o700);
    const open = join(own, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(caught(() => makePrivateFolder(open, '.staging-'))).toMatchObject({
      code: 'insecure_permissions',
      message: expect.stringMatching(/can be written by other users \(mode 0777\) and has no sticky bit/),
    });
    chmodSync(open, 0o1777);
    expect(modeOf(makePrivateFolder(open, '.staging-'))).toBe(0o700);
  });
});

describe('requireOwnPath', () => {
  const folderRule = { what: 'the data folder', risk: 'move the inventory database aside', fixMode: 0o700 };

  it('refuses a folder others can write, with the chmod that fixes it; accepts one only readable by them', () => {
    chmodSync(own, 0o777);
    expect(caught(() => requireOwnPath(own, folderRule))).toMatchObject({
      code: 'insecure_permissions',
      message: `the data folder ${own} can be written by other users (mode 0777), so Keywarden will not use it: they could move the inventory database aside. Run "chmod 700 ${own}"`,
    });
    chmodSync(own, 0o775);
    expect(() => requireOwnPath(own, folderRule)).toThrow(/mode 0775/);
    chmodSync(own, 0o755);
    expect(requireOwnPath(own, folderRule)?.isDirectory()).toBe(true);
    expect(requireOwnPath(join(own, 'absent'), folderRule)).toBeNull();
  });

  it('refuses a secret others can read', () => {
    const file = join(own, 'passphrase');
    writeFileSync(file, 'x', { mode: 0o640 });
    chmodSync(file, 0o640);
    expect(() => requireOwnPath(file, { what: 'the passphrase file', risk: 'read it', fixMode: 0o600, secret: true })).toThrow(
      `the passphrase file ${file} can be read by other users (mode 0640), so Keywarden will not use it: they could read it. Run "chmod 600 ${file}"`,
    );
  });

  it.skipIf(!isRoot)(`refuses what another user owns, with the chown that fixes it (${isRoot ? 'as root' : SKIP_NOT_ROOT})`, () => {
    chownSync(own, NOBODY.uid, NOBODY.gid);
    const refused = caught(() => requireOwnPath(own, folderRule));
    expect(refused.code).toBe('insecure_permissions');
    expect(refused.message).toMatch(new RegExp(`belongs to another user \\(uid ${NOBODY.uid}\\).*run "chown root ${own}" as root and "chmod 700 ${own}"`));
  });
});
