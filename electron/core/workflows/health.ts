/**
 * `keywarden health`: gathers what the findings are computed from (`../health/findings.ts`, pure over metadata) —
 * the inventory, the backends and which of them show a secret only once, every rotation and the grace periods
 * ending while consumers are not switched yet, and the alert channels. Metadata only: works offline and while
 * Keywarden is locked. "Due soon" is the largest reminder lead time (the `reminderLeadDays` setting) unless asked.
 */
import type { HealthOptions, HealthReport } from '../health/findings.js';
import { backendDefinition } from '../backends/registry.js';
import type { RotationWorkflows } from '../rotation/workflow.js';
import type { AlertWorkflows } from './alerts.js';
import type { EngineContext } from './context.js';
import { storedLeadDays } from './settings.js';

export class HealthWorkflow {
  constructor(
    private readonly ctx: EngineContext,
    /** The rotation workflows, loaded on first use (the engine's loader: `keywarden list` never pays for them). */
    private readonly rotations: () => Promise<RotationWorkflows>,
    /** The organisation's rotation policy (the `maxRotationDays` setting, workflows/settings.ts). */
    private readonly maxRotationDays: () => number | null,
    /** The alert workflows, loaded on first use too. */
    private readonly alerts: () => Promise<AlertWorkflows>,
  ) {}

  async report(options: Partial<HealthOptions> = {}): Promise<HealthReport> {
    const { computeHealth } = await import('../health/findings.js');
    const maxRotationDays = this.maxRotationDays();
    const backends = this.ctx.store.backends.list().map((row) => this.ctx.summarise(row));
    // A vendor that shows a secret only once: a key of it whose secret Keywarden does not hold can never be revealed.
    const shownOnceBackends = new Set(backends.filter((backend) => backend.type !== 'manual' && !backendDefinition(backend.type).secretsViewable).map((backend) => backend.name));
    const leadDays = options.leadDays ?? Math.max(...storedLeadDays(this.ctx.store));
    const rotationFlow = await this.rotations();
    const rotations = rotationFlow.listHere({ all: true });
    const graceWarnings = rotationFlow.graceWarnings(leadDays);
    const alertChannels = this.ctx.store.alerts.listChannels().length > 0 ? (await this.alerts()).list() : [];
    return computeHealth({
      keys: this.ctx.store.keys,
      backends,
      shownOnceBackends,
      rotations,
      graceWarnings,
      alertChannels,
      now: this.ctx.now(),
      options: { maxRotationDays, ...options, leadDays },
    });
  }
}
