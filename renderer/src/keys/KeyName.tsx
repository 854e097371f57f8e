/**
 * A key's name with what tells it apart from another key of the same name: its prefix (what identifies it without
 * revealing it) or else its ID at the vendor. One way for every view that names a key (the detail title, Reminders,
 * Health, the audit trail), so two "Production" keys never look the same anywhere.
 */
import { keyTell } from '../../../shared/rules.js';
import { IsolatedText } from '../lib/IsolatedText.js';

/** "Production  sk_live_…4f2a": the name, then its prefix or ID, muted. `tell={false}` for the name alone. */
export function KeyName({ name, keyRef, prefix = null, tell = true, className }: { name: string; keyRef: string; prefix?: string | null; tell?: boolean; className?: string }) {
  const told = keyTell({ ref: keyRef, prefix });
  // A Nitrobox client's ID is its name: said once.
  const shown = tell && told !== name;
  return (
    <>
      <IsolatedText className={className} text={name} />
      {/* A space, not only a margin: read aloud or copied, the name and its prefix stay two words. */}
      {shown && ' '}
      {shown && (
        <span className="key-tell">
          <IsolatedText text={told} />
        </span>
      )}
    </>
  );
}
