import { describe, expect, it } from 'vitest';
import { gateIdFor, isGateId } from '../../../../functions/core/approval/gate.ts';

describe('gateIdFor', () => {
  it('gives the same URL-safe id for the same run and step, and another for another step', () => {
    const id = gateIdFor('run-42', 'approve');
    expect(id).toBe(gateIdFor('run-42', 'approve'));
    expect(id).toMatch(/^g_[0-9a-f]{24}$/);
    expect(isGateId(id)).toBe(true);
    expect(gateIdFor('run-42', 'approve_finance')).not.toBe(id);
    expect(gateIdFor('run-4', '2approve')).not.toBe(gateIdFor('run-42', 'approve'));
  });
});
