// @ts-check
/**
 * The named mutants of `npm run mutate` (run.mjs): realistic one-line bugs in the rules Keywarden is trusted for, each
 * with the test files that must fail while it is in place. `find` must occur exactly once in `file` (run.mjs refuses
 * the whole list otherwise, naming the mutant, so the list cannot rot silently when the code moves on); `replace` is
 * what it becomes. A multi-line `find` is one bug spread over a statement, never two bugs.
 *
 * To add one: pick a rule a test should hold, write the smallest change that breaks it as a bug would, name the
 * test files that pin it (grep test/ for the behaviour), and run `npm run mutate -- --only NAME`. If it survives,
 * either the mutant changes nothing that can be observed (then it does not belong here: say so in the list of
 * equivalent mutants at the end) or a test is missing: write it.
 */

/**
 * @typedef {object} Mutant
 * @property {string} name lower-case words joined by "-": the area first
 * @property {string} file the source file, from the project root
 * @property {string} find text that occurs exactly once in `file`
 * @property {string} replace what `find` becomes
 * @property {string[]} tests the test files that should kill it, from the project root
 * @property {string} why the rule it breaks, and what an administrator would lose
 */

/** @type {readonly Mutant[]} */
export const MUTANTS = [
  // ---- workflows/vendor-changes.ts: send once, classify, re-list ----------------------------------------------
  {
    name: 'vendor-5xx-taken-as-refusal',
    file: 'electron/core/workflows/vendor-changes.ts',
    find: 'status >= 400 && status < 500 && status !== 408',
    replace: 'status >= 400 && status < 600 && status !== 408',
    tests: ['test/integration/engine-faults.test.ts'],
    why: 'A gateway that answers 502/504 after the vendor acted would be reported as a refusal: "try again" makes a second key, and the first one, whose secret nobody saw, stays live.',
  },
  {
    name: 'vendor-408-taken-as-refusal',
    file: 'electron/core/workflows/vendor-changes.ts',
    find: 'status >= 400 && status < 500 && status !== 408',
    replace: 'status >= 400 && status < 500',
    tests: ['test/integration/engine-faults.test.ts'],
    why: 'A 408 (the request timed out somewhere on the way, possibly after the vendor acted) would be a refusal, not a change that may have happened: no re-list, and "try again" can make a second key.',
  },
  {
    name: 'vendor-not-sent-loses-invalid-input',
    file: 'electron/core/workflows/vendor-changes.ts',
    find: "  'invalid_input',\n  'unsupported',",
    replace: "  'unsupported',",
    tests: ['test/integration/engine-faults.test.ts'],
    why: 'A change the connector refused before sending anything (an out-of-range validity) would be treated as one that may have happened: a pointless re-list and an "outcome unknown" for something that certainly did not happen.',
  },
  {
    name: 'vendor-relist-ok-on-failure',
    file: 'electron/core/workflows/vendor-changes.ts',
    find: 'return { ok: result?.ok ?? false, errorCode',
    replace: 'return { ok: result !== undefined, errorCode',
    tests: ['test/integration/rotation-reconcile.test.ts', 'test/integration/engine-faults.test.ts'],
    why: 'A re-list that failed would count as the vendor\'s truth: a create whose answer was lost would read "not created, try again" from an inventory that was never refreshed.',
  },
  {
    name: 'vendor-issued-key-also-dropped',
    file: 'electron/core/workflows/vendor-changes.ts',
    find: '      also?.(at);\n',
    replace: '',
    tests: ['test/integration/rotation-reconcile.test.ts', 'test/integration/cli-commbox.test.ts'],
    why: "What must be committed with a shown-once key (the revoked key's new status, the rotation journal's step) would be skipped: the inventory shows a revoked key as active and a rotation repeats its vendor step.",
  },
  // ---- workflows/keys.ts: lost answers are reconciled, never re-sent -------------------------------------------
  {
    name: 'keys-lost-create-not-reconciled',
    file: 'electron/core/workflows/keys.ts',
    find: '      return this.reconcileCreate(row, name, error);',
    replace: '      throw error;',
    tests: ['test/integration/engine-faults.test.ts'],
    why: "A create whose answer was lost would fail as if nothing happened: the administrator retries, the vendor holds two keys, and the first one's secret reached nobody.",
  },
  {
    name: 'keys-lost-revoke-not-reconciled',
    file: 'electron/core/workflows/keys.ts',
    find: '      return this.reconcileRevoke(row, key, error, options.revealReplacement ?? false, isCredential);',
    replace: '      throw error;',
    tests: ['test/integration/engine-faults.test.ts'],
    why: "A revoke whose answer was lost would not be looked up: the inventory keeps the key active although the vendor revoked it, and CommBox's replacement (and its secret) is never recovered.",
  },
  {
    name: 'keys-lost-delete-taken-as-done',
    file: 'electron/core/workflows/keys.ts',
    find: '      const stillThere = listed.ok && this.ctx.store.keys.get(row.name, key.id, this.ctx.now());',
    replace: '      const stillThere = false;',
    tests: ['test/integration/engine-faults.test.ts'],
    why: 'A delete whose answer was lost would be taken as done without reading the re-list: the key disappears from the inventory while it still works at the vendor.',
  },
  {
    name: 'keys-reveal-replacement-ignored',
    file: 'electron/core/workflows/keys.ts',
    find: 'replacement: { ...replacement, secret: options.revealReplacement ? replacement.secret : null },',
    replace: 'replacement: { ...replacement, secret: replacement.secret },',
    tests: ['test/integration/cli-commbox.test.ts'],
    why: "A revoke would hand out the replacement's secret even when nobody asked to see it, unaudited as a reveal: a secret leaving the engine without the administrator's request.",
  },

  // ---- rotation/steps.ts: the journal ----------------------------------------------------------------------------
  {
    name: 'rotation-unknown-revoke-resent',
    file: 'electron/core/rotation/steps.ts',
    find: "    if (step.status === 'intent' || step.status === 'unknown') {\n      const reconciled = await this.reconcileRevoke(",
    replace: "    if (step.status === 'intent') {\n      const reconciled = await this.reconcileRevoke(",
    tests: ['test/integration/rotation-reconcile.test.ts'],
    why: 'A revoke step left unknown (its answer lost, the re-list failed) would be sent again on resume instead of re-listed: CommBox would revoke the replacement it issued the first time.',
  },
  {
    name: 'rotation-unknown-create-resent',
    file: 'electron/core/rotation/steps.ts',
    find: "    if (step.status === 'intent' || step.status === 'unknown') {\n      const reconciled = await this.reconcileCreate(",
    replace: "    if (step.status === 'intent') {\n      const reconciled = await this.reconcileCreate(",
    tests: ['test/integration/rotation-reconcile.test.ts'],
    why: 'A create step left unknown would be sent again on resume: a second key at the vendor, the first one live with a secret nobody holds.',
  },
  {
    name: 'rotation-test-new-skipped',
    file: 'electron/core/rotation/steps.ts',
    find: "    if (!definition.capabilities.includes('list') && !options.hasTest) {",
    replace: '    if (!options.hasTest) {',
    tests: ['test/integration/cli-rotation.test.ts', 'test/integration/rotation-contract.test.ts'],
    why: 'The new key of a vendor rotation would never be tested before consumers switch to it and the old key is deleted: a broken key goes live.',
  },
  {
    name: 'rotation-failed-step-passed-on-resume',
    file: 'electron/core/rotation/workflow.ts',
    find: "return rotation.steps.find((step) => step.status !== 'done' && step.status !== 'skipped');",
    replace: "return rotation.steps.find((step) => step.status !== 'done' && step.status !== 'skipped' && step.status !== 'failed');",
    tests: ['test/integration/rotation-reconcile.test.ts', 'test/integration/cli-rotation.test.ts'],
    why: 'A step that failed (the new key failed its test) would be stepped over on resume: the rotation goes on to record and switch to a key that does not work.',
  },
  {
    name: 'rotation-unknown-delete-asks-again',
    file: 'electron/core/rotation/steps.ts',
    find: "    if (step.status !== 'intent' && step.status !== 'unknown') {",
    replace: "    if (step.status !== 'intent') {",
    tests: ['test/integration/rotation-reconcile.test.ts'],
    why: 'A delete whose outcome is unknown would ask for the confirmation again instead of re-listing: the rotation waits for an answer the administrator already gave.',
  },

  // ---- vault/vault.ts: the lock and the data key -------------------------------------------------------------------
  {
    name: 'vault-lock-check-removed',
    file: 'electron/core/vault/vault.ts',
    find: "    if (this.lockState.locked) throw new KeywardenError('locked', 'Keywarden is locked: unlock it to use a secret or reach a vendor');\n    if (this.loaded",
    replace: '    if (this.loaded',
    tests: ['test/unit/vault.test.ts', 'test/integration/lock.test.ts'],
    why: 'A locked Keywarden would read the data key from the keychain again on the next use: the lock would protect nothing.',
  },
  {
    name: 'vault-hold-keeps-nothing',
    file: 'electron/core/vault/vault.ts',
    find: '      return await this.held.run({ loaded }, operation);',
    replace: '      return await operation();',
    tests: ['test/unit/vault.test.ts', 'test/integration/lock.test.ts'],
    why: "A lock in the middle of a create would refuse to seal the vendor's shown-once answer: the new key exists at the vendor and its secret is lost.",
  },
  {
    name: 'vault-wipe-not-zeroing',
    file: 'electron/core/vault/vault.ts',
    find: '      this.loaded.key.fill(0);\n',
    replace: '',
    tests: ['test/unit/vault.test.ts'],
    why: 'Locking would drop the reference to the data key but leave its bytes in memory, where a dump of the process finds them.',
  },
  {
    name: 'vault-reset-not-noticed',
    file: 'electron/core/vault/vault.ts',
    find: '    if (this.loaded && this.loaded.check === check) return this.loaded;',
    replace: '    if (this.loaded) return this.loaded;',
    tests: ['test/integration/lock.test.ts', 'test/unit/vault.test.ts'],
    why: 'A long-lived process (the desktop app, keywarden ui) would keep sealing with the data key of a vault another process reset: secrets cached from then on open nowhere, ever.',
  },
  {
    name: 'vault-unlock-without-passphrase',
    file: 'electron/core/vault/vault.ts',
    // One bug over one statement: the guard dropped, and the slot used only when a passphrase is given ("unlock like the first open").
    find: [
      '      if (slot && passphrase === undefined) {',
      "        throw new KeywardenError('passphrase_required', \"this data folder's passphrase is needed to unlock Keywarden\", { unlockWith: 'passphrase' });",
      '      }',
      "      if (!slot && passphrase !== undefined) throw new KeywardenError('invalid_input', 'this data folder has no passphrase: unlocking reads its key from the OS keychain');",
      '      const vaultId = this.meta.getMeta(VAULT_META.id)!;',
      '      const check = this.meta.getMeta(VAULT_META.check)!;',
      '      const key = slot ? await unwrapWithPassphrase(slot, vaultId, check, passphrase!) : await this.openExisting(vaultId, check);',
    ].join('\n'),
    replace: [
      "      if (!slot && passphrase !== undefined) throw new KeywardenError('invalid_input', 'this data folder has no passphrase: unlocking reads its key from the OS keychain');",
      '      const vaultId = this.meta.getMeta(VAULT_META.id)!;',
      '      const check = this.meta.getMeta(VAULT_META.check)!;',
      '      const key = slot && passphrase !== undefined ? await unwrapWithPassphrase(slot, vaultId, check, passphrase) : await this.openExisting(vaultId, check);',
    ].join('\n'),
    tests: ['test/integration/lock.test.ts'],
    why: 'Where a data folder has a passphrase, unlocking would go through on the keychain alone whenever the keychain answers: the lock no longer stands between a passer-by and the secrets.',
  },

  // ---- cli/ui: keywarden ui's guards -------------------------------------------------------------------------------
  {
    name: 'ui-launch-token-not-consumed',
    file: 'electron/cli/ui/security.ts',
    find: "    this.settle(digestOf(given), 'used');\n",
    replace: '',
    tests: ['test/integration/ui-server.test.ts'],
    why: 'A sign-in link would work more than once: a link seen in a terminal scroll-back or a shell history signs in anyone, again and again, until it expires.',
  },
  {
    name: 'ui-idle-limit-off-by-one',
    file: 'electron/cli/ui/security.ts',
    find: "    if (now >= session.lastUsedAt + this.limits.idleMs) return 'idle';",
    replace: "    if (now > session.lastUsedAt + this.limits.idleMs) return 'idle';",
    tests: ['test/integration/ui-server.test.ts'],
    why: 'A session would still be accepted at the very moment its idle time ends, not before it as documented ("judged on every request, to the millisecond").',
  },
  {
    name: 'ui-lifetime-limit-off-by-one',
    file: 'electron/cli/ui/security.ts',
    find: "    if (now >= session.createdAt + this.limits.lifetimeMs) return 'lifetime';",
    replace: "    if (now > session.createdAt + this.limits.lifetimeMs) return 'lifetime';",
    tests: ['test/integration/ui-server.test.ts'],
    why: 'A session would outlive its absolute lifetime by a moment: the limit is no longer the one documented.',
  },
  {
    name: 'ui-missing-bearer-accepted',
    file: 'electron/cli/ui/security.ts',
    find: "    if (given === null || given === '') return { ok: false, code: 'session_required', message: `no console session: ${SIGN_IN_AGAIN}` };",
    replace: "    if (given === null || given === '') return { ok: true, id: '' };",
    tests: ['test/integration/ui-server.test.ts'],
    why: "A request without a request key would pass the session check: any page in the browser, or any local user, could call the console's API.",
  },
  {
    name: 'ui-host-check-suffix',
    file: 'electron/cli/ui/server.ts',
    find: '    if (!hosts.has(host)) {',
    replace: '    if (![...hosts].some((allowed) => host.endsWith(allowed))) {',
    tests: ['test/integration/ui-server.test.ts'],
    why: 'A Host that merely ends with 127.0.0.1:PORT or localhost:PORT (evil.localhost:PORT, a rebound DNS name) would be served: DNS rebinding reaches the console under a foreign origin.',
  },
  {
    name: 'ui-post-without-origin-accepted',
    file: 'electron/cli/ui/server.ts',
    find: "    if ((origin !== undefined || request.method === 'POST') && origin !== ownOrigin) {",
    replace: '    if (origin !== undefined && origin !== ownOrigin) {',
    tests: ['test/integration/ui-server.test.ts'],
    why: 'A POST without an Origin (a form or a script outside the browser) would reach the sign-in and the API: only the console itself may change anything.',
  },

  // ---- store ---------------------------------------------------------------------------------------------------------
  {
    name: 'store-recorded-key-not-audited',
    file: 'electron/core/store/keys.ts',
    find: '      this.audit.append(event);\n',
    replace: '',
    tests: ['test/integration/key-with-secret.test.ts', 'test/integration/lock.test.ts', 'test/integration/cli-commbox.test.ts'],
    why: 'A key recorded with its secret (created or issued at the vendor, added by hand, pasted in a rotation) would leave no event in the audit trail: the trail would no longer account for every key Keywarden holds a secret for.',
  },
  {
    name: 'store-unchanged-row-ignores-status',
    file: 'electron/core/store/key-rows.ts',
    find: '    row[3] === values.status &&\n',
    replace: '',
    tests: ['test/unit/store/store.test.ts'],
    why: 'A resync would skip a key whose only change is its status: a key the vendor revoked still shows active, and still gets reminders.',
  },
  {
    name: 'audit-chain-newest-event-removal-missed',
    file: 'electron/core/store/audit-chain.ts',
    find: '  if (counter > last) {',
    replace: '  if (counter > last + 1) {',
    tests: ['test/unit/store/audit-chain.test.ts'],
    why: 'Deleting only the newest audit event (the one recording what was just done) would leave a trail that verifies.',
  },
  {
    name: 'backups-prune-keeps-one-more',
    file: 'electron/core/store/backup-files.ts',
    find: 'listBackups(databasePath).slice(keep)',
    replace: 'listBackups(databasePath).slice(keep + 1)',
    tests: ['test/unit/store/backups.test.ts'],
    why: 'Pruning would keep one backup more than the documented 7: every copy of the database (sealed secrets included) is one more file to protect.',
  },

  // ---- private files, redaction, URLs ------------------------------------------------------------------------------
  {
    name: 'private-file-mode-0644',
    file: 'electron/core/private-files.ts',
    find: '  const fd = openSync(path, NEW_FILE_FLAGS, 0o600);\n  try {\n    if (POSIX) fchmodSync(fd, 0o600);',
    replace: '  const fd = openSync(path, NEW_FILE_FLAGS, 0o600);\n  try {\n    if (POSIX) fchmodSync(fd, 0o644);',
    tests: ['test/unit/private-files.test.ts', 'test/unit/store/backups.test.ts'],
    why: 'Exports and backups would be readable by every local user: the inventory, and in a backup the sealed secrets, handed to anyone on the machine.',
  },
  {
    name: 'private-file-without-o-excl',
    file: 'electron/core/private-files.ts',
    find: 'const NEW_FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);',
    replace: 'const NEW_FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);',
    tests: ['test/unit/private-files.test.ts'],
    why: "A file planted at the name Keywarden opens would be opened and written instead of refused: another user's file (or a hard link to one) receives the export.",
  },
  {
    name: 'private-path-group-writable-accepted',
    file: 'electron/core/private-files.ts',
    find: '  const open = rule.secret ? 0o077 : 0o022;',
    replace: '  const open = rule.secret ? 0o077 : 0o002;',
    tests: ['test/unit/private-files.test.ts'],
    why: 'A data folder or database its group can write would be accepted: any member of the group can swap the inventory or plant a backup for a restore.',
  },
  {
    name: 'redact-after-scheme-dropped',
    file: 'electron/core/redact.ts',
    find: '    .replace(AFTER_SCHEME, (_match, scheme: string, space: string) => `${scheme}${space}${REDACTED}`)\n',
    replace: '',
    tests: ['test/unit/redact.test.ts'],
    why: 'A vendor error quoting "Bearer <token>" would keep the token when it is not random-looking enough for the run rule: it lands in the audit trail, the backend\'s last error and every backup.',
  },
  {
    name: 'redact-url-encoded-secret-kept',
    file: 'electron/core/redact.ts',
    find: '    if (encoded !== secret) result = result.replaceAll(encoded, REDACTED);\n',
    replace: '',
    tests: ['test/unit/redact.test.ts'],
    why: 'A vendor echoing the sent secret URL-encoded (as a query parameter) would keep it in the stored error text.',
  },
  {
    name: 'url-loopback-without-consent',
    file: 'electron/core/backends/url-policy.ts',
    find: '  if (verdict && !options.allowPrivateNetwork) {',
    replace: "  if (verdict && verdict.kind !== 'loopback' && !options.allowPrivateNetwork) {",
    tests: ['test/unit/url-policy.test.ts', 'test/integration/engine-faults.test.ts'],
    why: "A manual key's test could send the key to a listener on this machine without the administrator's consent: another local user's port receives it.",
  },

  // ---- renderer ------------------------------------------------------------------------------------------------------
  {
    name: 'renderer-revealed-secret-never-hidden',
    file: 'renderer/src/state/inventory-store.ts',
    find: '          hideTimer = setTimeout(() => get().hideSecret(), get().revealHideSeconds * 1000);',
    replace: '          hideTimer = null;',
    tests: ['test/unit/renderer/inventory-store.test.ts'],
    why: 'A revealed secret would stay on screen until the administrator hides it: an unattended console shows the key to whoever passes.',
  },
];

/*
 * Equivalent mutants, left out (each changes no behaviour that can be observed, so no test can kill it):
 * - vendor-changes.ts, newestReplacement sorted oldest first: it runs right after a successful re-list, and the one
 *   vendor whose revoke issues a replacement (CommBox) has one active key at a time, so there is never more than one
 *   candidate to order. A vendor with several active keys and replacements would make it matter: add it back then.
 * - private-files.ts, O_NOFOLLOW dropped from NEW_FILE_FLAGS: O_CREAT|O_EXCL already fails with EEXIST on any
 *   existing name, a symbolic link (dangling or not) included, and never follows it.
 */
