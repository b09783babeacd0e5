/**
 * When a gate with approver rules has enough approvals. The step's own approvers and count are
 * the first requirement, each matched rule another; every requirement needs its own distinct
 * people, except that a person counted for a `shared` rule may count for the others too. Whether
 * the approvals so far can be assigned that way is a bipartite matching (requirement slots to
 * people), found with augmenting paths.
 */
import type { ApprovalEntry, Gate } from '../ports.ts';
import { sameEmail } from './gate.ts';

/** One thing a gate needs: `required` approvals from people `eligible` says yes to. */
export interface Requirement {
  required: number;
  shared: boolean;
  eligible: (email: string) => boolean;
}

/** For each requirement, the people counted toward it; a requirement is met when it has `required` of them. */
export function assignApprovals(requirements: Requirement[], people: string[]): string[][] {
  const slots = requirements.flatMap((r, index) =>
    r.shared ? [] : Array.from({ length: r.required }, () => index),
  );
  const holder: (string | undefined)[] = slots.map(() => undefined);
  const place = (person: string, seen: Set<number>): boolean => {
    for (const [slot, index] of slots.entries()) {
      if (seen.has(slot) || !requirements[index]?.eligible(person)) continue;
      seen.add(slot);
      const current = holder[slot];
      if (current === undefined || place(current, seen)) {
        holder[slot] = person;
        return true;
      }
    }
    return false;
  };
  for (const person of people) place(person, new Set());
  return requirements.map((r, index) =>
    r.shared
      ? people.filter((p) => r.eligible(p)).slice(0, r.required)
      : holder.filter((p, slot): p is string => p !== undefined && slots[slot] === index),
  );
}

/** Whether every requirement can be met by these people at once. */
export function canMeet(requirements: Requirement[], people: string[]): boolean {
  return assignApprovals(requirements, people).every(
    (counted, i) => counted.length >= (requirements[i]?.required ?? 0),
  );
}

/** The gate's requirements: its approvers (with escalations) and count, then each matched rule. */
export function gateRequirements(gate: Gate): Requirement[] {
  const inSet = (people: { email: string }[]) => (email: string) =>
    people.some((p) => sameEmail(p.email, email));
  const base = [...gate.approvers, ...Object.values(gate.escalations).flatMap((level) => level.people)];
  return [
    { required: gate.config.required, shared: false, eligible: inSet(base) },
    ...(gate.rules ?? [])
      .filter((r) => r.matched)
      .map((r) => ({ required: r.required, shared: r.shared, eligible: inSet(r.people) })),
  ];
}

/** The fewest distinct approvals that can open a gate with these requirements. */
export function fewestApprovals(requirements: Pick<Requirement, 'required' | 'shared'>[]): number {
  const own = requirements.filter((r) => !r.shared).reduce((sum, r) => sum + r.required, 0);
  return Math.max(own, ...requirements.map((r) => r.required));
}

/** Whether the gate's approvals meet every requirement (for a gate without rules: `required` of them). */
export function isQuorumMet(gate: Gate): boolean {
  return canMeet(
    gateRequirements(gate),
    gate.approved_by.map((a) => a.email),
  );
}

/** Per requirement (the step's approvers first, then each matched rule): the approvals counted toward it. */
export function requirementProgress(gate: Gate): ApprovalEntry[][] {
  const counted = assignApprovals(
    gateRequirements(gate),
    gate.approved_by.map((a) => a.email),
  );
  return counted.map((emails) =>
    emails.flatMap((email) => gate.approved_by.filter((a) => sameEmail(a.email, email))),
  );
}
