/**
 * Files only their owner can reach. The one place Keywarden creates a file at a name someone chose
 * (`export --output`, `backup --output`) or a copy of the database (the rolling backups, a restore's staged
 * copy), and the checks that refuse a data folder, database or passphrase file another local user could change.
 *
 * Why each step: in a shared folder (/tmp, a team share) another user can plant a symbolic link or a file at a
 * name Keywarden is about to use, and can rename what Keywarden made there.
 * - A new file is opened O_CREAT|O_EXCL|O_NOFOLLOW under a random name: a link or file planted at a name is
 *   never followed nor reused, so a copy cannot land in a file another user reads, nor overwrite one of the
 *   administrator's own files (~/.bashrc) through a link.
 * - It is made 0600 on its descriptor (a folder's default ACL can widen the mode open asked for), its type and
 *   owner are checked by fstat, and it is written, flushed and measured through that descriptor only.
 * - It takes its final name by link, which fails on any existing name (a dangling link included), or, with
 *   --force, by rename, which replaces the name itself: never writing through a link, never keeping an existing
 *   file's wider mode. The name is then checked to be this very file (device and inode): in a folder others can
 *   write without the sticky bit, a swap in between is reported instead of a success.
 * - A copy SQLite writes (it opens a path itself, following links) is made in a fresh 0700 folder of the user's
 *   (`makePrivateFolder`), then placed as above.
 * Windows has no owner or mode bits here (NTFS ACLs of the user's profile decide): those checks are skipped there,
 * the rest applies.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { KeywardenError } from './errors.js';

const POSIX = process.platform !== 'win32';
/** O_NOFOLLOW does not exist on Windows; O_CREAT|O_EXCL alone already refuses an existing link there and everywhere. */
const NEW_FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
const STICKY = 0o1000;
const COPY_CHUNK = 1024 * 1024;

export interface PrivateFileOptions {
  /** What is written, for messages: "the export", "the backup". */
  what: string;
  /** Replace an existing file (never a folder) with the new one, atomically, as a new 0600 file. */
  force?: boolean;
  /** How the refusal of an existing name ends: what to do instead. */
  whenExists?: string;
}

export interface PrivateFileWritten {
  path: string;
  bytes: number;
}

const DEFAULT_WHEN_EXISTS = 'Keywarden never writes over an existing file or through a link: choose a new name, or add --force to replace it with a new file only you can read';

/**
 * Refuses a destination before any work is done: a missing folder, a folder in its place, or (without `force`)
 * any existing name, a symbolic link included. `force` accepts an existing file or link, which the write replaces.
 */
export function checkDestination(destination: string, options: PrivateFileOptions): string {
  const path = resolve(destination);
  let found: Stats;
  try {
    found = lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (!isFolder(dirname(path))) throw new KeywardenError('invalid_input', `cannot write ${options.what} to ${path}: the folder ${dirname(path)} does not exist`, { path });
      return path;
    }
    throw writeError(error, path, options);
  }
  if (found.isDirectory()) throw new KeywardenError('invalid_input', `cannot write ${options.what} to ${path}: it is a folder; give a file name`, { path });
  if (options.force && (found.isFile() || found.isSymbolicLink())) return path;
  throw existsError(path, found, options);
}

function existsError(path: string, found: Stats | null, options: PrivateFileOptions): KeywardenError {
  const kind = found?.isSymbolicLink() ? ' (a symbolic link)' : !found || found.isFile() ? '' : ' (not a regular file)';
  return new KeywardenError('invalid_input', `${path} already exists${kind}; ${options.whenExists ?? DEFAULT_WHEN_EXISTS}`, { path });
}

/**
 * Writes `content` (text, bytes, or a writer given the descriptor) as a new 0600 file at `destination`, by the
 * steps this module's comment gives. Nothing is left at the destination when it fails.
 */
export function writePrivateFile(destination: string, content: string | Uint8Array | ((fd: number) => void), options: PrivateFileOptions): PrivateFileWritten {
  const path = checkDestination(destination, options);
  const folder = dirname(path);
  let partial = '';
  let fd: number | undefined;
  for (let attempt = 0; fd === undefined; attempt++) {
    partial = join(folder, `.keywarden-${randomBytes(12).toString('hex')}.partial`);
    try {
      fd = openNewPrivateFile(partial);
    } catch (error) {
      // Someone holds this random name (or planted it): take another; a few collisions in a row are an attack or a bug.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 8) throw writeError(error, path, options);
    }
  }
  let placed = false;
  try {
    if (typeof content === 'function') content(fd);
    else writeAll(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(fd);
    const linked = placeByName(partial, path, fd, options);
    placed = true;
    if (linked) unlinkSync(partial);
    const bytes = fstatSync(fd).size;
    syncToDisk(folder);
    return { path, bytes };
  } catch (error) {
    if (!placed) rmSync(partial, { force: true });
    throw error instanceof KeywardenError ? error : writeError(error, path, options);
  } finally {
    closeSync(fd);
  }
}

/**
 * Gives a finished private file (`staged`, in a folder of `makePrivateFolder`) the name `destination`: by link or
 * rename where both are on one file system, else by copying it through descriptors into a new private file there.
 */
export function placePrivateFile(staged: string, destination: string, options: PrivateFileOptions): PrivateFileWritten {
  const path = checkDestination(destination, options);
  const fd = openSync(staged, READ_FLAGS);
  try {
    requireOwnNewFile(fd, staged);
    if (POSIX) fchmodSync(fd, 0o600);
    fsyncSync(fd);
    try {
      placeByName(staged, path, fd, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error instanceof KeywardenError ? error : writeError(error, path, options);
      return writePrivateFile(path, (out) => copyThrough(fd, out), options);
    }
    syncToDisk(dirname(path));
    return { path, bytes: fstatSync(fd).size };
  } finally {
    closeSync(fd);
  }
}

/**
 * A new folder only this user can enter, for a file another library writes by path (SQLite's backup API): made
 * 0700 by mkdtemp under a random name. Refused in a parent others can write without the sticky bit, where
 * another user could rename the new folder and put a link to one of theirs in its place.
 */
export function makePrivateFolder(parent: string, prefix: string): string {
  if (POSIX) {
    const { mode } = statSync(parent);
    if ((mode & 0o022) !== 0 && (mode & STICKY) === 0) {
      throw new KeywardenError('insecure_permissions', `${parent} can be written by other users (mode ${octal(mode)}) and has no sticky bit: Keywarden will not make its working copy there`, {
        path: parent,
      });
    }
  }
  const folder = mkdtempSync(join(parent, prefix));
  if (POSIX) {
    const made = lstatSync(folder);
    if (!made.isDirectory() || made.uid !== process.geteuid!()) throw new KeywardenError('internal', `${folder} is not the private folder Keywarden just made`, { path: folder });
  }
  return folder;
}

/** Opens a new file for writing that did not exist (never a link), 0600 and this user's, checked on its descriptor. */
export function openNewPrivateFile(path: string): number {
  const fd = openSync(path, NEW_FILE_FLAGS, 0o600);
  try {
    if (POSIX) fchmodSync(fd, 0o600);
    requireOwnNewFile(fd, path);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** What a check of `requireOwnPath` is about, for its message. */
export interface OwnPathRule {
  /** How the path is named: "the data folder", "the inventory database". */
  what: string;
  /** What another user could do with it: "move the inventory database aside or replace it". */
  risk: string;
  /** The mode the fix gives: 0o700 for a folder, 0o600 for a file. */
  fixMode: number;
  /** A secret (the passphrase file): refused when others can read it too, not only write it. */
  secret?: boolean;
}

/**
 * Refuses a path another local user could change: owned by someone else, or writable by its group or others
 * (with `secret`, readable by them too), with the command that fixes it, as OpenSSH does with its own files.
 * Owned by root is accepted: root can replace any file anyway, so trusting it exposes nothing more (a snapshot
 * mounted read-only by root stays readable). Returns the path's stat (links followed), or null when it does not
 * exist. Windows: skipped (see the module's comment).
 */
export function requireOwnPath(path: string, rule: OwnPathRule, found: Stats | null = statOrNull(path)): Stats | null {
  if (!found || !POSIX) return found;
  const me = process.geteuid!();
  if (found.uid !== me && found.uid !== 0) {
    throw new KeywardenError(
      'insecure_permissions',
      `${rule.what} ${path} belongs to another user (uid ${found.uid}), so Keywarden will not use it: its owner could ${rule.risk}. If it is yours, run "chown ${userName()} ${path}" as root and "chmod ${rule.fixMode.toString(8)} ${path}"; otherwise use one of your own`,
      { path, uid: found.uid },
    );
  }
  const open = rule.secret ? 0o077 : 0o022;
  if ((found.mode & open) !== 0) {
    throw new KeywardenError(
      'insecure_permissions',
      `${rule.what} ${path} can be ${rule.secret && (found.mode & 0o022) === 0 ? 'read' : 'written'} by other users (mode ${octal(found.mode)}), so Keywarden will not use it: they could ${rule.risk}. Run "chmod ${rule.fixMode.toString(8)} ${path}"`,
      { path, mode: octal(found.mode) },
    );
  }
  return found;
}

/** Link (no replace) or, with force, rename; then checks the name is `fd`'s file. True when linked (the source name stays). */
function placeByName(source: string, path: string, fd: number, options: PrivateFileOptions): boolean {
  let linked = false;
  if (options.force) renameSync(source, path);
  else linked = linkWithoutReplacing(source, path, options);
  const named = lstatSync(path);
  const own = fstatSync(fd);
  if (named.ino !== own.ino || named.dev !== own.dev) {
    throw new KeywardenError('insecure_permissions', `${path} was replaced while ${options.what} was written: another user can write in ${dirname(path)}; choose a folder only you can write`, {
      path,
    });
  }
  return linked;
}

/** A link fails on an existing name, where a rename would replace it; a file system without hard links is checked, then renamed. */
function linkWithoutReplacing(source: string, path: string, options: PrivateFileOptions): boolean {
  try {
    linkSync(source, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw existsError(path, lstatOrNull(path), options);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EMLINK') throw error;
    // FAT and some network shares (no hard links, no owners or links to plant either): checked, then renamed.
    checkDestination(path, { ...options, force: false });
    renameSync(source, path);
    return false;
  }
}

function requireOwnNewFile(fd: number, path: string): void {
  const made = fstatSync(fd);
  if (!made.isFile() || made.nlink !== 1 || (POSIX && made.uid !== process.geteuid!())) {
    throw new KeywardenError('internal', `${path} is not the private file Keywarden just made (another user's file or link?)`, { path });
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

function copyThrough(from: number, to: number): void {
  const buffer = Buffer.allocUnsafe(COPY_CHUNK);
  for (let position = 0; ;) {
    const read = readSync(from, buffer, 0, COPY_CHUNK, position);
    if (read === 0) return;
    writeAll(to, buffer.subarray(0, read));
    position += read;
  }
}

/** Flushes a file, or a folder's entries after a link or rename, to the disk (where the platform allows it). */
export function syncToDisk(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open a folder to flush it; a file system without fsync on folders: best effort.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeError(error: unknown, path: string, options: PrivateFileOptions): KeywardenError {
  if (error instanceof KeywardenError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const folder = dirname(path);
  const why =
    code === 'ENOENT'
      ? `the folder ${folder} does not exist`
      : code === 'ENOTDIR'
        ? `${folder} is not a folder`
        : code === 'EISDIR'
          ? `${path} is a folder; give a file name`
          : code === 'EACCES' || code === 'EPERM'
            ? options.force
              ? "no permission to write there, or to replace that file (another user's, in a shared folder?)"
              : 'no permission to write there'
            : code === 'ENOSPC'
              ? 'the disk is full'
              : code === 'EROFS'
                ? 'the file system is read-only'
                : code === 'EEXIST'
                  ? 'no free name for the file being written (another user is planting names there?)'
                  : (error as Error).message;
  return new KeywardenError('invalid_input', `cannot write ${options.what} to ${path}: ${why}`, { path }, { cause: error });
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.geteuid?.() ?? '$USER');
  }
}
