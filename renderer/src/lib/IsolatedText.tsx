import { Fragment } from 'react';
import { visibleParts } from './visible-text.js';

/**
 * Vendor or user text on the page: in its own bidi isolate (`<bdi>`), so a right-to-left name or one that
 * ends in a neutral character cannot reorder the words around it, with every invisible control or format
 * character shown as an escape (`⟨U+202E⟩`, see visible-text.ts), marked so it is not read as part of the
 * text. `lines` is for whole messages: their line breaks and tabs stay.
 */
export function IsolatedText({ text, lines = false, className }: { text: string; lines?: boolean; className?: string }) {
  return (
    <bdi className={className}>
      {visibleParts(text, { lines }).map((part, index) =>
        part.escaped ? (
          <span key={index} className="invisible-char" title="An invisible character in this text, shown as its code point">
            {part.text}
          </span>
        ) : (
          <Fragment key={index}>{part.text}</Fragment>
        ),
      )}
    </bdi>
  );
}
