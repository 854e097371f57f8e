/**
 * The one list of vendors Keywarden knows. To add a vendor: create `backends/<vendor>/` with
 * `definition.ts`, `connector.ts`, `emulator.ts`, `schemas.ts` and a README, add the definition here,
 * and add the vendor to the conformance suite (`test/integration/conformance.test.ts`).
 */
import type { BackendType } from '../../../shared/domain.js';
import { KeywardenError } from '../errors.js';
import type { BackendDefinition } from './backend.js';
import { boxWatchDefinition } from './boxwatch/definition.js';
import { commBoxDefinition } from './commbox/definition.js';
import { manualDefinition } from './manual/definition.js';
import { nitroboxDefinition } from './nitrobox/definition.js';

const DEFINITIONS: Readonly<Record<string, BackendDefinition>> = {
  boxwatch: boxWatchDefinition,
  commbox: commBoxDefinition,
  nitrobox: nitroboxDefinition,
  manual: manualDefinition,
};

export function backendDefinition(type: string): BackendDefinition {
  const definition = DEFINITIONS[type];
  if (!definition) {
    throw new KeywardenError('invalid_input', `unknown backend type "${type}"; known types: ${Object.keys(DEFINITIONS).join(', ')}`);
  }
  return definition;
}

export function knownBackendTypes(): BackendType[] {
  return Object.keys(DEFINITIONS) as BackendType[];
}
