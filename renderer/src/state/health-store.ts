/**
 * The Health view's state: the engine's findings (`health:report`, metadata only: it answers offline and while
 * locked), loaded again whenever the engine says something changed (the shell's `changes`), and the pure helpers the
 * view lays them out with. The engine decides what is a finding and how severe; the console only orders and shows.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractClient } from '../../../shared/contract.js';
import type { Finding, FindingSeverity, FindingSubject, HealthReport } from '../../../shared/health.js';
import { plural } from '../lib/dates.js';
import { newestAnswerLoader } from './newest-answer.js';

export interface HealthState {
  /** Null until the first answer. */
  report: HealthReport | null;
  loading: boolean;
  error: string | null;
  /** Asks again; the findings on screen stay until the answer (a refresh does not blank the view). */
  load: () => Promise<void>;
}

export type HealthStore = StoreApi<HealthState>;

export function createHealthStore(client: ContractClient): HealthStore {
  return createStore<HealthState>()((set) => ({
    report: null,
    loading: false,
    error: null,
    load: newestAnswerLoader(
      () => client['health:report'](),
      ({ data, ...rest }) => set(data === undefined ? rest : { ...rest, report: data }),
    ),
  }));
}

/** Most severe first, as the summary lists them. */
export const SEVERITY_ORDER: readonly FindingSeverity[] = ['critical', 'high', 'warning', 'info'];

/** The severity in words: shown beside its colour, never the colour alone. */
export const SEVERITY_WORDS: Record<FindingSeverity, string> = { critical: 'Critical', high: 'High', warning: 'Warning', info: 'Info' };

/** How many subjects a finding lists before "Show all N": a few thousand links at once would make the page slow. */
export const SUBJECTS_SHOWN = 50;

/** What to do first is open: critical and high findings are expanded, the rest folded under their title. */
export function openAtFirst(finding: Pick<Finding, 'severity'>): boolean {
  return finding.severity === 'critical' || finding.severity === 'high';
}

/**
 * The findings most severe first, then in the engine's order (which lists categories of equal severity by what
 * matters more); the engine already sends them so, but the view does not rely on it.
 */
export function orderFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => SEVERITY_ORDER.indexOf(a.finding.severity) - SEVERITY_ORDER.indexOf(b.finding.severity) || a.index - b.index)
    .map(({ finding }) => finding);
}

/**
 * "1 key", "5,312 keys", "2 backends", "3 keys and 1 backend", "1 alert channel": what a finding concerns, counted.
 * `count` is the finding's own (it may list fewer than it concerns: the engine lists the first 200 keys); backends and
 * alert channels are always all listed.
 */
export function subjectsInWords(subjects: readonly Pick<FindingSubject, 'ref' | 'what'>[], count = subjects.length): string {
  const channels = subjects.filter((subject) => subject.what === 'alert-channel').length;
  const backends = subjects.filter((subject) => subject.ref === null).length - channels;
  const keys = count - backends - channels;
  const parts = [
    keys > 0 ? plural(keys, 'key').replace(/^\d+/, groupDigits(keys)) : null,
    backends > 0 ? plural(backends, 'backend') : null,
    channels > 0 ? plural(channels, 'alert channel') : null,
  ].filter((part): part is string => part !== null);
  return parts.length ? parts.join(' and ') : 'nothing';
}

/** "first 200 of 5,312" when the engine listed fewer subjects than the finding concerns, else null. */
export function listedInWords(finding: Pick<Finding, 'count' | 'subjects' | 'truncated'>): string | null {
  return finding.truncated ? `first ${groupDigits(finding.subjects.length)} of ${groupDigits(finding.count)}` : null;
}

function groupDigits(value: number): string {
  return value.toLocaleString('en-GB');
}
