import { describe, expect, it } from 'vitest';
import { gateMessage, type SlackBlock } from '../../../functions/adapters/slack-blocks.ts';
import { buildGate } from '../../../functions/core/approval/request-approval.ts';
import type { Gate } from '../../../functions/core/ports.ts';
import { DIRECTORY, requestInput, runInfo, T0 } from '../../support/approval-fixtures.ts';

const PUBLIC_URL = 'https://signoff.example.com';

function pendingGate(overrides: Partial<Gate> = {}): Gate {
  const input = requestInput({ notify: { slack: 'deploys', email: true } }, runInfo({ id: 'run-42' }));
  input.data.policy = { passed: 12, failed: 0, mandatory_failed: 0, results: [] };
  return { ...buildGate({ directory: DIRECTORY, now: () => T0 }, input), ...overrides };
}

function texts(blocks: SlackBlock[]): string {
  return JSON.stringify(blocks);
}

function actions(blocks: SlackBlock[]) {
  return blocks.find((b) => b.type === 'actions') as
    | { elements: { action_id: string; value?: string; url?: string; style?: string; confirm?: unknown }[] }
    | undefined;
}

describe('gateMessage', () => {
  it('shows the request as the reference message does', () => {
    const { text, blocks } = gateMessage(pendingGate(), { publicUrl: PUBLIC_URL, now: T0 });
    expect(text).toBe('Approval required: production-deploy (aws-production-network)');
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🔐 Approval required: production-deploy' },
    });
    const facts = (blocks[1] as unknown as { fields: { text: string }[] }).fields.map((f) => f.text);
    expect(facts).toEqual([
      '*Requested by:*\njane@acme.com',
      '*Project:*\naws-production-network',
      '*Changes:*\n3 to add, 1 to change, 0 to destroy',
      '*Cost impact:*\n+$45.20/month ($100.00/month now → $145.20/month after)',
      '*Policies:*\n✓ All 12 checks passed',
      `*Expires:*\nin 4 hours (<!date^${T0 / 1000 + 4 * 3600}^{date_short_pretty} at {time}|2026-11-25 14:00 UTC>)`,
    ]);
    expect(texts(blocks)).toContain('*Approvals:* 0 of 2');
  });

  it('has Approve (primary), Reject (danger, confirmed) and View plan (the run page), values carrying the gate id only', () => {
    const gate = pendingGate();
    const { blocks } = gateMessage(gate, { publicUrl: PUBLIC_URL, now: T0 });
    const [approve, reject, view] = actions(blocks)?.elements ?? [];
    expect(approve).toMatchObject({ action_id: 'signoff_approve', style: 'primary', value: gate.gate_id });
    expect(reject).toMatchObject({ action_id: 'signoff_reject', style: 'danger', value: gate.gate_id });
    expect(reject?.confirm).toMatchObject({ confirm: { text: 'Reject' }, style: 'danger' });
    expect(view).toEqual(expect.objectContaining({ url: `${PUBLIC_URL}/runs/run-42` }));
    expect(view?.value).toBeUndefined();
  });

  it('says "not estimated" when there is no cost estimate and lists failed policies', () => {
    const gate = pendingGate();
    gate.data.cost = { estimated: false, reason: 'infracost is not installed' };
    gate.data.policy = { passed: 10, failed: 2, mandatory_failed: 1, results: [] };
    const message = texts(gateMessage(gate, { publicUrl: PUBLIC_URL, now: T0 }).blocks);
    expect(message).toContain('not estimated (infracost is not installed)');
    expect(message).toContain('✗ 2 of 12 checks failed (1 mandatory)');
  });

  it('leaves out what the gate does not include', () => {
    const gate = pendingGate();
    gate.config.include = ['plan'];
    const message = texts(gateMessage(gate, { publicUrl: PUBLIC_URL, now: T0 }).blocks);
    expect(message).not.toContain('Cost impact');
    expect(message).not.toContain('Policies');
    expect(message).toContain('Changes');
  });

  it('shows approvals so far (N of M) and who is still asked while pending', () => {
    const gate = pendingGate({
      approved_by: [
        { email: 'bob@acme.com', name: 'Bob Builder', at: new Date(T0).toISOString(), channel: 'email' },
      ],
    });
    const message = texts(gateMessage(gate, { publicUrl: PUBLIC_URL, now: T0 }).blocks);
    expect(message).toContain('*Approvals:* 1 of 2: Bob Builder (email)');
    expect(message).toContain('Waiting for: <@U0ALICE>, Carol Ops, Dave Net');
    expect(actions(gateMessage(gate, { publicUrl: PUBLIC_URL, now: T0 }).blocks)).toBeDefined();
  });

  it('shows the final state and removes the buttons once approved', () => {
    const at = new Date(T0 + 60_000).toISOString();
    const gate = pendingGate({
      status: 'approved',
      closed_at: at,
      approved_by: [
        { email: 'bob@acme.com', name: 'Bob Builder', at, channel: 'slack' },
        { email: 'carol@acme.com', name: 'Carol Ops', at, channel: 'web' },
      ],
    });
    const { text, blocks } = gateMessage(gate, { publicUrl: PUBLIC_URL, now: T0 });
    expect(text).toBe('Approved: production-deploy (aws-production-network)');
    expect(texts(blocks)).toContain('✅ *Approved* at <!date^');
    expect(texts(blocks)).toContain('2 of 2: Bob Builder (slack), Carol Ops (web)');
    expect(actions(blocks)).toBeUndefined();
    expect(texts(blocks)).not.toContain('Expires');
  });

  it('shows who rejected, when, and their comment', () => {
    const gate = pendingGate({
      status: 'rejected',
      closed_at: new Date(T0).toISOString(),
      closed_by: { email: 'dave@acme.com', name: 'Dave Net' },
      close_comment: 'not during the freeze',
    });
    const message = texts(gateMessage(gate, { publicUrl: PUBLIC_URL, now: T0 }).blocks);
    expect(message).toContain('❌ *Rejected* by Dave Net at <!date^');
    expect(message).toContain('not during the freeze');
    expect(actions(gateMessage(gate, { publicUrl: PUBLIC_URL, now: T0 }).blocks)).toBeUndefined();
  });

  it('shows "Expired at" after a timeout', () => {
    const gate = pendingGate({ status: 'timed_out', closed_at: '2026-11-25T14:00:00.000Z' });
    const { text, blocks } = gateMessage(gate, { publicUrl: PUBLIC_URL, now: T0 });
    expect(text).toBe('Expired: production-deploy (aws-production-network)');
    expect(texts(blocks)).toContain(
      '⌛ *Expired* at <!date^1795615200^{date_short_pretty} at {time}|2026-11-25 14:00 UTC>',
    );
    expect(texts(blocks)).toContain('0 of 2 approvals; the run was cancelled');
    expect(actions(blocks)).toBeUndefined();
  });

  it('escapes names so they cannot mention channels or inject links', () => {
    const gate = pendingGate();
    gate.run.reason = '<!channel> see <https://evil.example|here> & more';
    const message = texts(gateMessage(gate, { publicUrl: PUBLIC_URL, now: T0 }).blocks);
    expect(message).toContain('&lt;!channel&gt; see &lt;https://evil.example|here&gt; &amp; more');
    expect(message).not.toContain('<!channel>');
  });
});
