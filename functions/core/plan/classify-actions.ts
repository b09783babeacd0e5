import type { PlanAction } from './terraform-plan.ts';

/** What a resource change means to an approver; `none` is a no-op or something not shown. */
export type ChangeKind = 'create' | 'update' | 'delete' | 'replace' | 'read' | 'none';

/**
 * Folds Terraform's action list into one kind: `["delete","create"]` and
 * `["create","delete"]` are one replace, not an add plus a destroy.
 */
export function classifyActions(actions: readonly PlanAction[]): ChangeKind {
  if (actions.includes('create') && actions.includes('delete')) return 'replace';
  if (actions.length !== 1) return 'none';
  switch (actions[0]) {
    case 'create':
    case 'update':
    case 'delete':
    case 'read':
      return actions[0];
    default:
      // `no-op`, and `forget` (removed from state, the real object stays): nothing to approve.
      return 'none';
  }
}

/** Whether a kind changes infrastructure (data source reads and no-ops do not). */
export function isInfraChange(kind: ChangeKind): kind is 'create' | 'update' | 'delete' | 'replace' {
  return kind !== 'none' && kind !== 'read';
}
