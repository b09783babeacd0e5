import '../../../local/polyfills.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castVote } from '../../../functions/core/approval/cast-vote.ts';
import { requestInput, runInfo } from '../../support/approval-fixtures.ts';
import { linkIn, startWebHarness, type WebHarness } from '../web/web-harness.ts';

let h: WebHarness;

beforeAll(async () => {
  h = await startWebHarness();
});

afterAll(async () => {
  await h?.stop();
});

describe('SesEmailNotifier', () => {
  it('emails each approver the facts and their own approval link (SES emulator)', async () => {
    const input = requestInput({}, runInfo({ id: 'run-email-1' }));
    input.data.policy = { passed: 12, failed: 0, mandatory_failed: 0, results: [] };
    const gateId = await h.openGate(input);
    const mails = (await h.ses.emails()).filter((m) => m.body.text?.includes('run-email-1'));
    expect(mails.map((m) => m.destination.to[0]).sort()).toEqual([
      'alice@acme.com',
      'bob@acme.com',
      'carol@acme.com',
      'dave@acme.com',
    ]);
    const alice = mails.find((m) => m.destination.to[0] === 'alice@acme.com');
    expect(alice?.subject).toBe('Approval required: production-deploy (aws-production-network)');
    expect(alice?.from).toContain('signoff@acme.com');
    const text = alice?.body.text ?? '';
    expect(text).toContain('Requested by: Jane Requester (jane@acme.com)');
    expect(text).toContain('Project: aws-production-network');
    expect(text).toContain('Changes: 3 to add, 1 to change, 0 to destroy');
    expect(text).toContain('Cost: $100.00/month now → $145.20/month after (+$45.20/month)');
    expect(text).toContain('Policies: ✓ All 12 checks passed');
    expect(text).toContain('Deadline: 2026-11-25 14:00 UTC (4 hours left)');
    expect(alice?.body.html).toContain('Review plan and decide');
    const link = linkIn(text, `${h.url}/approvals/${gateId}?t=`);
    expect(alice?.body.html).toContain(link.replaceAll('&', '&amp;'));
    // Each approver's link is their own capability; none carries the task token.
    const links = mails.map((m) => linkIn(m.body.text ?? '', `${h.url}/approvals/`));
    expect(new Set(links).size).toBe(4);
    for (const l of links) expect(l).not.toContain('token-run-email-1');

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Alice Lead');
  });

  it('sends nothing for a gate whose email notification is off', async () => {
    const before = (await h.ses.emails()).length;
    await h.openGate(requestInput({ notify: { email: false } }, runInfo({ id: 'run-email-off' })));
    expect((await h.ses.emails()).length).toBe(before);
  });

  it('sends nothing when the gate is decided', async () => {
    const gateId = await h.openGate(requestInput({ required: 1 }, runInfo({ id: 'run-email-decided' })));
    const before = (await h.ses.emails()).length;
    const outcome = await castVote(h.deps, {
      gateId,
      voter: 'bob@acme.com',
      decision: 'approve',
      channel: 'web',
    });
    expect(outcome).toMatchObject({ kind: 'counted', status: 'approved' });
    expect((await h.ses.emails()).length).toBe(before);
  });
});
