/**
 * The team's audit chain walked by `verifyTeamChain` (electron/core/team/audit.ts), on trails built with the local
 * chain's own hash: each way an event can be tampered with on the server (altered, removed in the middle, at the start
 * or at the end, reordered, inserted, the genesis deleted) is named at the right event and in words; and what is no
 * tampering (a sequence that skipped ids after a rolled-back transaction) verifies.
 * test/integration/team-console.test.ts and cli-team.test.ts tamper with a real PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { AUDIT_CHAIN_VERSION, auditEventHash } from '../../electron/core/store/audit-chain.js';
import { type ChainedTeamEvent, verifyTeamChain } from '../../electron/core/team/audit.js';

const GENESIS = 'a'.repeat(64);

/** A trail of `actions`, change 1 first, chained from GENESIS as workflow.ts writes it (ids as given, else 1, 2, 3...). */
function trail(actions: string[], ids: number[] = actions.map((_, index) => index + 1)): ChainedTeamEvent[] {
  let prev = GENESIS;
  return actions.map((action, index) => {
    const event = {
      id: ids[index]!,
      seq: index + 1,
      at: `2030-01-0${index + 1}T10:00:00.000Z`,
      member: 'alice',
      action,
      backend: null,
      ref: `r${index + 1}`,
      outcome: 'ok' as const,
      detail: null,
    };
    const hash = auditEventHash(AUDIT_CHAIN_VERSION, prev, { ...event, osUser: event.member })!;
    const chained = { ...event, prevHash: prev, hash };
    prev = hash;
    return chained;
  });
}

const ACTIONS = ['team.init', 'team.approve', 'key.add', 'team.remove', 'key.add'];

describe("the team's audit chain", () => {
  it('verifies an intact trail, whose newest event is the counter, and gives its head hash', () => {
    const events = trail(ACTIONS);
    expect(verifyTeamChain(GENESIS, 5, events)).toEqual({ ok: true, events: 5, verified: 5, headHash: events[4]!.hash, genesis: GENESIS, firstBreak: null });
  });

  it('is not fooled by ids a PostgreSQL sequence skipped (a rolled-back write): a gap in ids is no removal', () => {
    expect(verifyTeamChain(GENESIS, 5, trail(ACTIONS, [1, 2, 5, 6, 9])).ok).toBe(true);
  });

  it('names an event whose fields were changed', () => {
    const events = trail(ACTIONS);
    events[2] = { ...events[2]!, detail: 'nothing to see' };
    const status = verifyTeamChain(GENESIS, 5, events);
    expect(status).toMatchObject({ ok: false, verified: 2, firstBreak: { id: 3, kind: 'content-changed', at: '2030-01-03T10:00:00.000Z' } });
    expect(status.firstBreak!.problem).toBe('event 3 (key.add by alice, 2030-01-03T10:00:00.000Z) was changed after it was recorded: its fields no longer match the hash written with it');
  });

  it('names the event after one removed from the middle, and the one before the gap', () => {
    const events = trail(ACTIONS);
    events.splice(2, 1);
    const status = verifyTeamChain(GENESIS, 5, events);
    expect(status.firstBreak).toMatchObject({ id: 4, kind: 'missing-before' });
    expect(status.firstBreak!.problem).toMatch(/^event 4 \(team.remove by alice.*\) is not chained to event 2 \(team.approve by alice.*\), the event before it: an event between them was removed/);
  });

  it('finds the newest events removed from the change counter, which went further', () => {
    const status = verifyTeamChain(GENESIS, 5, trail(ACTIONS).slice(0, 3));
    expect(status).toMatchObject({ ok: false, verified: 3, firstBreak: { id: 4, kind: 'missing-at-end', at: null } });
    expect(status.firstBreak!.problem).toMatch(/change counter is at 5, but the last event left, event 3 \(key.add by alice.*\), records change 3; the events of changes 4 to 5 were removed/);
  });

  it('finds the first events removed even when the genesis was replaced so that the rest links', () => {
    const rest = trail(ACTIONS).slice(2);
    const status = verifyTeamChain(rest[0]!.prevHash, 5, rest);
    expect(status.firstBreak).toMatchObject({ id: 3, kind: 'missing-before' });
  });

  it('names two events swapped in place as out of order', () => {
    const events = trail(ACTIONS);
    const [second, third] = [events[1]!, events[2]!];
    events[1] = { ...third, id: 2 };
    events[2] = { ...second, id: 3 };
    const status = verifyTeamChain(GENESIS, 5, events);
    expect(status.firstBreak).toMatchObject({ id: 2, kind: 'out-of-order' });
    expect(status.firstBreak!.problem).toMatch(/^event 2 \(key.add by alice.*\) is out of order: it was recorded after event 3/);
  });

  it('names an event inserted between two chained ones', () => {
    const events = trail(ACTIONS);
    // A forged event chained properly after event 2; the events after it keep their links (to event 2).
    const fields = { id: 3, seq: 2, at: '2030-01-02T11:00:00.000Z', member: 'alice', action: 'team.approve', backend: null, ref: 'mallory', outcome: 'ok' as const, detail: 'as admin' };
    const forged = { ...fields, prevHash: events[1]!.hash, hash: auditEventHash(AUDIT_CHAIN_VERSION, events[1]!.hash, { ...fields, osUser: fields.member })! };
    const withForged = [events[0]!, events[1]!, forged, ...events.slice(2).map((event) => ({ ...event, id: event.id + 1 }))];
    const status = verifyTeamChain(GENESIS, 5, withForged);
    expect(status.firstBreak).toMatchObject({ id: 3, kind: 'inserted' });
    expect(status.firstBreak!.problem).toMatch(/^event 3 \(team.approve by alice.*\) is not part of the chain: it was inserted after event 2/);
  });

  it('says the genesis is missing when it was deleted from the meta table', () => {
    expect(verifyTeamChain(null, 5, trail(ACTIONS)).firstBreak).toMatchObject({ id: 1, kind: 'genesis-missing' });
  });
});
