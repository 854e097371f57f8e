import type { AuditOutcome } from '../../../shared/domain.js';
import { OUTCOME_LABEL, OUTCOME_TONE } from './labels.js';

/** An audit outcome in colour and in words. */
export function OutcomeBadge({ outcome }: { outcome: AuditOutcome }) {
  return (
    <span className={`badge ${OUTCOME_TONE[outcome]}`}>
      <span className="dot" aria-hidden="true" />
      {OUTCOME_LABEL[outcome]}
    </span>
  );
}
