/**
 * A key's name with what tells it apart from another key of the same name: its prefix (what identifies it without
 * revealing it) or else its ID at the vendor. One way for every view that names a key (the detail title, Reminders,
 * Health, the audit trail), so two "Production" keys never look the same anywhere.
 */
import { IsolatedText } from '../lib/IsolatedText.js';

/** The prefix when the key has one, else the ID part of its reference (`cb/key_2` → `key_2`). */
export function keyTell(key: { ref: string; prefix?: string | null }): string {
  if (key.prefix) return key.prefix;
  const slash = key.ref.indexOf('/');
  return slash >= 0 ? key.ref.slice(slash + 1) : key.ref;
}

/** "Production  sk_live_…4f2a": the name, then its prefix or ID, muted. `tell={false}` for the name alone. */
export function KeyName({ name, keyRef, prefix = null, tell = true, className }: { name: string; keyRef: string; prefix?: string | null; tell?: boolean; className?: string }) {
  return (
    <>
      <IsolatedText className={className} text={name} />
      {/* A space, not only a margin: read aloud or copied, the name and its prefix stay two words. */}
      {tell && ' '}
      {tell && (
        <span className="key-tell">
          <IsolatedText text={keyTell({ ref: keyRef, prefix })} />
        </span>
      )}
    </>
  );
}
