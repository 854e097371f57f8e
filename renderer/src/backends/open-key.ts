import type { Key } from '../../../shared/domain.js';
import { hrefFor } from '../routing.js';

/** A key just added from the backends view opens in the inventory's detail panel (its address, as a reminder's link). */
export function openKeyInInventory(key: Key): void {
  window.location.hash = hrefFor('inventory', key.ref);
}
