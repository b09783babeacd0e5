import { describe, expect, it } from 'vitest';
import { lockCell } from '../../../cli/run-commands.ts';
import type { RunLockView } from '../../../functions/core/locks/lock-views.ts';
import type { RunDetail } from '../../../functions/web/run-views.ts';
import { renderRunPage } from '../../../web/run-page.ts';

const heldBy = {
  run_id: 'run-a',
  workflow: 'deploy',
  since: '2026-12-01T10:00:00.000Z',
  expires_at: '2026-12-01T20:00:00.000Z',
};
const waits: RunLockView = { project: 'net', this_run: 'waits', held_by: heldBy };
const holds: RunLockView = { project: 'net', this_run: 'holds', held_by: { ...heldBy, run_id: 'run-b' } };
const other: RunLockView = { project: 'db', this_run: 'none', held_by: heldBy };
const free: RunLockView = { project: 'dns', this_run: 'none' };

function page(locks: RunLockView[]): string {
  const detail = {
    run: {
      id: 'run-b',
      workflow: 'deploy',
      environment: 'production',
      production: true,
      trigger: { type: 'manual' },
      started_by: { email: 'jane@acme.com', name: 'Jane' },
      started_at: '2026-12-01T10:01:00.000Z',
      execution_arn: 'arn:aws:states:us-east-1:0:execution:signoff-deploy:run-b',
      status: 'RUNNING',
    },
    outcome: 'Running',
    outcome_detail: 'Running since 2026-12-01 10:01 UTC.',
    steps: [],
    gates: [],
    plans: [],
    locks,
  } as unknown as RunDetail;
  return renderRunPage({
    user: { name: 'Jane', email: 'jane@acme.com', csrf: 'x' },
    detail,
    now: Date.parse('2026-12-01T10:02:00.000Z'),
    publicUrl: 'http://localhost',
  });
}

describe('project locks on the run page and in the CLI', () => {
  it('shows that the run waits for the lock, and links the run holding it', () => {
    const html = page([waits]);
    expect(html).toContain(
      'waiting for project lock held by run <a href="/runs/run-a"><code>run-a</code></a> (deploy)',
    );
  });

  it('shows a lock this run holds, one another run holds, and a free one', () => {
    const html = page([holds, other, free]);
    expect(html).toContain('<strong>net</strong>: locked by this run');
    expect(html).toContain('<strong>db</strong>: locked by run <a href="/runs/run-a">');
    expect(html).toContain('<strong>dns</strong>: not locked');
  });

  it('shows no lock section for a workflow that locks nothing', () => {
    expect(page([])).not.toContain('Project lock');
  });

  it('says the same in one line for the CLI', () => {
    expect(lockCell([waits])).toBe('waiting for net (held by run run-a)');
    expect(lockCell([holds, other, free])).toBe('holds net; db held by run run-a');
    expect(lockCell([free])).toBe('-');
  });
});
