import type { Migration } from './index.js';

/**
 * Alerts beyond this machine (issue 23): the channels reminders are sent to, and each alert sent or tried.
 *
 * - `alert_channels`: one row per channel; `config` is JSON of what is not secret (a webhook's URL, an SMTP server,
 *   its sender and recipients); `secret_sealed` is the vault's blob of what is (a webhook's signing secret, a Slack
 *   webhook's whole URL, the SMTP user name and password), bound to the channel's destination like a backend's
 *   credential. Its last attempt and failures in a row are what `alerts list` and Health say of it.
 * - `alert_deliveries`: one row per (channel, key, due date, stage), the primary key, so an alert is claimed once:
 *   `sending` (claimed, with the process and how long the claim holds), then `sent` (only once the channel accepted
 *   it), or `failed` with its attempts and the time of the next one; `superseded` when a later stage or another due
 *   date replaced it before it went out.
 *
 * New tables only, so an older file still reads (readCompatible): a read-only copy without them has no channels.
 */
export const migration010AlertChannels: Migration = {
  version: 10,
  name: 'alert channels and their deliveries',
  readCompatible: true,
  up: `
    CREATE TABLE alert_channels (
      id                   INTEGER PRIMARY KEY,
      name                 TEXT NOT NULL UNIQUE,
      type                 TEXT NOT NULL CHECK (type IN ('webhook', 'slack', 'email')),
      config               TEXT NOT NULL DEFAULT '{}',
      secret_sealed        BLOB,
      created_at           TEXT NOT NULL,
      last_attempt_at      TEXT,
      last_ok_at           TEXT,
      last_error           TEXT,
      consecutive_failures INTEGER NOT NULL DEFAULT 0,
      next_attempt_at      TEXT
    ) STRICT;

    CREATE TABLE alert_deliveries (
      channel_id      INTEGER NOT NULL REFERENCES alert_channels(id) ON DELETE CASCADE,
      ref             TEXT NOT NULL,
      kind            TEXT NOT NULL,
      due_at          TEXT NOT NULL,
      stage           TEXT NOT NULL,
      state           TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'superseded')),
      attempts        INTEGER NOT NULL DEFAULT 0,
      claimed_by      TEXT,
      claimed_until   TEXT,
      next_attempt_at TEXT,
      last_error      TEXT,
      created_at      TEXT NOT NULL,
      sent_at         TEXT,
      PRIMARY KEY (channel_id, ref, kind, due_at, stage)
    ) STRICT;
    CREATE INDEX alert_deliveries_open ON alert_deliveries(channel_id, state) WHERE state IN ('sending', 'failed');
  `,
};
