import type { BackendType, KeyStatus } from '../../../shared/domain.js';

export const STATUS_ORDER: readonly KeyStatus[] = ['active', 'grace', 'revoked', 'expired'];

export const STATUS_LABEL: Record<KeyStatus, string> = { active: 'Active', grace: 'Grace', revoked: 'Revoked', expired: 'Expired' };

export const VENDOR_LABEL: Record<BackendType, string> = { commbox: 'CommBox', boxwatch: 'BoxWatch', nitrobox: 'Nitrobox', manual: 'Manual' };
