/** Small pieces of English for messages, shared by the engine and the CLI so both read the same way. */

/** `1 key`, `2 keys`: counts in messages read as English, not as templates. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
