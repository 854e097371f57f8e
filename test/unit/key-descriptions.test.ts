/**
 * A key's description as the administrator types it, checked and tidied in one place (workflows/key-descriptions.ts)
 * for the CLI, the console and imports alike.
 */
import { describe, expect, it } from 'vitest';
import { KeywardenError } from '../../electron/core/errors.js';
import { applyDescriptionChange, describeDescriptionChange, NO_DESCRIPTION } from '../../electron/core/workflows/key-descriptions.js';

const described = { owner: 'Ana Lima', environment: 'prod', tags: ['billing', 'pci'], notes: 'Used by the invoice job.\nAsk Ana before rotating.' };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KeywardenError);
    expect((error as KeywardenError).code).toBe('invalid_input');
    return (error as KeywardenError).message;
  }
  throw new Error('expected a refusal');
}

describe('a key description', () => {
  it('is tidied as typed: trimmed, empty meaning none, tags once whatever their case, notes with their line breaks', () => {
    expect(applyDescriptionChange(NO_DESCRIPTION, { owner: '  Ana Lima ', environment: '', tags: ['prod', ' PROD', 'billing', ''], notes: 'line one\r\nline two\n\n' })).toEqual({
      owner: 'Ana Lima',
      environment: null,
      tags: ['prod', 'billing'],
      notes: 'line one\nline two',
    });
  });

  it('keeps what a change leaves out, clears what it sets to null, adds and removes tags without touching the others', () => {
    expect(applyDescriptionChange(described, { owner: null })).toEqual({ ...described, owner: null });
    expect(applyDescriptionChange(described, { addTags: ['prod', 'Billing'], removeTags: ['PCI'] })).toEqual({ ...described, tags: ['billing', 'prod'] });
    expect(applyDescriptionChange(described, { tags: [] })).toEqual({ ...described, tags: [] });
  });

  it('refuses what would not read back as typed, saying which field and why', () => {
    expect(refusal(() => applyDescriptionChange(NO_DESCRIPTION, { tags: ['two words'] }))).toMatch(/tag "two words" is not one word/);
    expect(refusal(() => applyDescriptionChange(NO_DESCRIPTION, { tags: ['a,b'] }))).toMatch(/not one word/);
    expect(refusal(() => applyDescriptionChange(NO_DESCRIPTION, { owner: 'Ana\nLima' }))).toMatch(/owner is one line/);
    expect(refusal(() => applyDescriptionChange(NO_DESCRIPTION, { environment: 'x'.repeat(41) }))).toMatch(/environment is at most 40 characters/);
    expect(refusal(() => applyDescriptionChange(NO_DESCRIPTION, { notes: 'bell \u0007' }))).toMatch(/notes are printable text/);
    expect(refusal(() => applyDescriptionChange(NO_DESCRIPTION, { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }))).toMatch(/at most 20 tags/);
    expect(refusal(() => applyDescriptionChange(described, { tags: ['a'], addTags: ['b'] }))).toMatch(/not both/);
  });

  it('says for the audit trail what changed, notes only as changed', () => {
    const after = applyDescriptionChange(described, { owner: 'Bo', addTags: ['prod'], removeTags: ['pci'], notes: 'new text' });
    expect(describeDescriptionChange(described, after)).toBe('owner Bo; tags +prod; tags -pci; notes changed');
    expect(describeDescriptionChange(described, described)).toBeNull();
    expect(describeDescriptionChange(described, NO_DESCRIPTION)).toBe('owner cleared; environment cleared; tags -billing -pci; notes cleared');
  });
});
