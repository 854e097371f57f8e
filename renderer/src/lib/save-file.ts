/**
 * Saves text the engine produced (an export) as a file the browser downloads: a Blob, an object URL and an
 * `<a download>` clicked once. The console's Content-Security-Policy needs no `blob:` source for this: following
 * a link is a navigation (a download), not a fetch, and CSP's fetch directives do not govern it (the e2e test
 * `reminders-audit.test.ts` saves both exports under the shipped policy). In the desktop window Electron's
 * session shows its save dialog for the same download.
 */
import type { SavedFile } from '../state/audit-store.js';

export function saveTextFile(file: SavedFile): void {
  const url = URL.createObjectURL(new Blob([file.content], { type: file.type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.name;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL by then; a minute is ample even for a large trail on a slow disk.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
