import type { AuditOutcome } from '../../../shared/domain.js';

/**
 * The actions the engine records (electron/core/workflows/, electron/core/rotation/), in the administrator's
 * words. An action the console does not know yet (a newer engine) is made readable from its code
 * ("backend.set-thing" → "Backend set thing"); the code itself is in the row's title.
 */
export const AUDIT_ACTION_LABEL: Readonly<Record<string, string>> = {
  sync: 'Sync',
  test: 'Test',
  reveal: 'Reveal',
  copy: 'Copy',
  create: 'Create key',
  revoke: 'Revoke',
  delete: 'Delete key',
  'key.add': 'Add manual key',
  'key.edit': 'Edit manual key',
  'key.consumers': 'Set consumers',
  'reminder.snooze': 'Snooze reminder',
  lock: 'Lock',
  unlock: 'Unlock',
  'rotation.start': 'Rotation started',
  'rotation.step': 'Rotation step',
  'rotation.remedy': 'Rotation remedy',
  'rotation.done': 'Rotation done',
  'rotation.abandon': 'Rotation abandoned',
  'backend.add': 'Add backend',
  'backend.remove': 'Remove backend',
  'backend.set-credential': 'Set credential',
  'backend.reconnect': 'Reconnect backend',
  'backend.set-policy': 'Set rotation policy',
  'backend.set-interval': 'Set vendor interval',
  'settings.update': 'Change settings',
  'store.restore': 'Restore a backup',
  'vault.add-passphrase': 'Add or change the passphrase',
  'vault.remove-passphrase': 'Remove vault passphrase',
  'vault.reset': 'Reset vault',
  'team.init': 'Start the team',
  'team.join': 'Ask to join a team',
  'team.approve': 'Approve member',
  'team.role': 'Change member role',
  'team.remove': 'Remove member',
  'team.leave': 'Leave the team',
  'team.pull': 'Pull from the team',
};

export function actionLabel(action: string): string {
  const known = AUDIT_ACTION_LABEL[action];
  if (known) return known;
  const words = action.replace(/[._-]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : action;
}

export const OUTCOME_LABEL: Record<AuditOutcome, string> = { ok: 'OK', failed: 'Failed', unknown: 'Unknown' };

/** The badge tones of the console: success green, failure red, an outcome nobody knows amber. */
export const OUTCOME_TONE: Record<AuditOutcome, string> = { ok: 'tone-active', failed: 'tone-expired', unknown: 'tone-grace' };

/** An audit time to the second, in the administrator's locale (the console's one date formatter, `lib/dates.ts`). */
export { formatDayTimeSeconds as formatAuditTime } from '../lib/dates.js';
