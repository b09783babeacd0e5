import '../../../local/polyfills.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castVote } from '../../../functions/core/approval/cast-vote.ts';
import { workflowSchema } from '../../../statemachines/schema.ts';
import { DIRECTORY, requestInput, runInfo } from '../../support/approval-fixtures.ts';
import { signInByEmail, startWebHarness, type WebHarness, WORKFLOW } from './web-harness.ts';

/** The fixtures' company plus a finance team: Fiona and Frank approve the finance gates only. */
const FINANCE_DIRECTORY = {
  users: [
    ...DIRECTORY.users,
    { email: 'fiona@acme.com', name: 'Fiona Walsh', role: 'developer' as const },
    { email: 'frank@acme.com', name: 'Frank Money', role: 'developer' as const },
  ],
  teams: { ...DIRECTORY.teams, finance: ['fiona@acme.com', 'frank@acme.com'] },
};

const FINANCE_WORKFLOW = workflowSchema.parse({
  name: 'finance-deploy',
  environment: 'production',
  steps: [
    { id: 'plan', type: 'iac', project: 'billing', action: 'plan' },
    { id: 'approve', type: 'approval', approvers: ['team:finance'], required: 2 },
    { id: 'apply', type: 'iac', project: 'billing', action: 'apply', plan_from: 'plan' },
  ],
});

let h: WebHarness;
const runs = {
  platform: runInfo({ id: 'run-tabs-platform' }),
  finance: runInfo({ id: 'run-tabs-finance', workflow: 'finance-deploy' }),
  fionaStarted: runInfo({
    id: 'run-tabs-fiona-own',
    workflow: 'finance-deploy',
    started_by: { email: 'fiona@acme.com', name: 'Fiona Walsh' },
  }),
  fionaVoted: runInfo({ id: 'run-tabs-fiona-voted', workflow: 'finance-deploy' }),
};

beforeAll(async () => {
  h = await startWebHarness({ directory: FINANCE_DIRECTORY, workflows: [WORKFLOW, FINANCE_WORKFLOW] });
  await h.openGate(requestInput({}, runs.platform));
  const finance = { approvers: ['team:finance'], name: 'Finance approval' };
  await h.openGate(requestInput(finance, runs.finance));
  await h.openGate(requestInput(finance, runs.fionaStarted));
  const voted = await h.openGate(requestInput(finance, runs.fionaVoted));
  const outcome = await castVote(h.deps, {
    gateId: voted,
    voter: 'fiona@acme.com',
    decision: 'approve',
    channel: 'web',
  });
  expect(outcome.kind).toBe('counted');
});

afterAll(async () => {
  await h?.stop();
});

async function page(cookie: string, query = ''): Promise<{ status: number; body: string }> {
  const response = await fetch(`${h.url}/runs${query}`, { headers: { cookie } });
  return { status: response.status, body: await response.text() };
}

/** The run ids the page's table lists, in order. */
function listed(body: string): string[] {
  return [...body.matchAll(/<td><a href="\/runs\/([^"]+)"><code>/g)].map((m) => m[1] as string);
}

describe('runs tabs', () => {
  it('shows Fiona in Needs my vote only the gate she may approve now, not the runs she cannot approve', async () => {
    const fiona = await signInByEmail(h, 'fiona@acme.com');
    const mine = await page(fiona);
    expect(mine.status).toBe(200);
    // She approves the finance gates, so Needs my vote is her default tab.
    expect(mine.body).toMatch(
      /<a href="\/runs\?tab=mine" class="tab" aria-current="page">Needs my vote<\/a>/,
    );
    // Not the platform run (not an approver), not her own run (requester), not the one she voted on.
    expect(listed(mine.body)).toEqual([runs.finance.id]);

    const waiting = await page(fiona, '?tab=waiting');
    expect(listed(waiting.body).sort()).toEqual(
      Object.values(runs)
        .map((r) => r.id)
        .sort(),
    );
    // The gate she voted on shows how far it got.
    const votedRow = waiting.body.slice(waiting.body.indexOf(runs.fionaVoted.id));
    expect(votedRow).toMatch(/aria-label="1 of 2 approvals">1 of 2</);
    expect(waiting.body).toContain('+3 ~1 −0');
    expect(waiting.body).toContain('+$45.20/month');
    expect(waiting.body).toContain('Waiting for approval');
  });

  it('shows a platform lead the platform run and not the finance ones', async () => {
    const bob = await signInByEmail(h, 'bob@acme.com');
    expect(listed((await page(bob)).body)).toEqual([runs.platform.id]);
  });

  it('opens on All runs for someone who approves nowhere, and has an empty Needs my vote', async () => {
    const omar = await signInByEmail(h, 'omar@acme.com');
    const all = await page(omar);
    expect(all.body).toMatch(/<a href="\/runs\?tab=all" class="tab" aria-current="page">All runs<\/a>/);
    expect(listed(all.body)).toHaveLength(4);
    const mine = await page(omar, '?tab=mine');
    expect(listed(mine.body)).toEqual([]);
    expect(mine.body).toContain('Nothing is waiting for your vote.');
  });

  it('answers 400 with a message for an unknown tab', async () => {
    const omar = await signInByEmail(h, 'omar@acme.com');
    const bad = await page(omar, '?tab=everything');
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('tab must be mine, waiting or all.');
  });
});
