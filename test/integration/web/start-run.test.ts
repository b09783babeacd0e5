import '../../../local/polyfills.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowSchema } from '../../../statemachines/schema.ts';
import { postForm, signInByEmail, startWebHarness, type WebHarness, WORKFLOW } from './web-harness.ts';

/** An emergency workflow (production, no gate) whose manual roles let developers in too. */
const EMERGENCY = workflowSchema.parse({
  name: 'production-emergency',
  environment: 'production',
  triggers: { manual: { roles: ['developer', 'admin'] } },
  steps: [
    { id: 'plan', type: 'iac', project: 'aws-production-network', action: 'plan' },
    { id: 'apply', type: 'iac', project: 'aws-production-network', action: 'apply' },
  ],
});

/** Admins only by its manual roles. */
const ADMIN_ONLY = workflowSchema.parse({
  name: 'admin-only-deploy',
  environment: 'staging',
  triggers: { manual: { roles: ['admin'] } },
  steps: [{ id: 'plan', type: 'iac', project: 'aws-production-network', action: 'plan' }],
});

let h: WebHarness;
let alice = ''; // admin
let bob = ''; // developer
let vera = ''; // viewer

beforeAll(async () => {
  h = await startWebHarness({ workflows: [WORKFLOW, EMERGENCY, ADMIN_ONLY] });
  alice = await signInByEmail(h, 'alice@acme.com');
  bob = await signInByEmail(h, 'bob@acme.com');
  vera = await signInByEmail(h, 'vera@acme.com');
});

afterAll(async () => {
  await h?.stop();
});

async function runsPage(cookie: string): Promise<string> {
  return (await fetch(`${h.url}/runs`, { headers: { cookie } })).text();
}

function csrfOf(page: string): string {
  return page.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
}

async function runIds(): Promise<string[]> {
  return (await h.deps.runs.list({}, { limit: 100 })).runs.map((r) => r.id);
}

async function start(cookie: string, form: Record<string, string>) {
  const csrf = csrfOf(await runsPage(cookie));
  return postForm(`${h.url}/runs`, { csrf, ...form }, cookie);
}

describe('the Start run form', () => {
  it('offers each person the workflows the API would let them start; emergency ones to admins only', async () => {
    const bobPage = await runsPage(bob);
    expect(bobPage).toContain('<h2>Start run</h2>');
    expect(bobPage).toMatch(/<select id="start-workflow"[^>]*><option value="production-deploy">/);
    const startSelect = (page: string) =>
      page.match(/<select id="start-workflow"[\s\S]*?<\/select>/)?.[0] ?? '';
    expect(startSelect(bobPage)).not.toContain('admin-only-deploy');
    const startForms = (page: string) =>
      page.match(/<details class="card start-run"[\s\S]*?<\/details>/)?.[0] ?? '';
    expect(startForms(bobPage)).not.toContain('Emergency deploy');
    expect(startForms(bobPage)).not.toContain('production-emergency');

    const alicePage = await runsPage(alice);
    expect(startSelect(alicePage)).toContain('value="admin-only-deploy"');
    expect(alicePage).toContain('Emergency deploy');
    expect(alicePage).toMatch(/<select id="emergency-workflow"[^>]*><option value="production-emergency">/);
    expect(alicePage).toContain('Justification');

    // A viewer may start nothing: no form at all.
    expect(await runsPage(vera)).not.toContain('Start run');
  });

  it('starts a run as the signed-in person and goes to its page', async () => {
    const response = await start(bob, {
      workflow: 'production-deploy',
      reason: 'rotate the <TLS> certificates',
      ref: '',
    });
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/runs\/[0-9]{8}-[0-9]{6}-[0-9a-f]{10}$/);
    const run = await h.deps.runs.get(decodeURIComponent(location.slice('/runs/'.length)));
    expect(run).toMatchObject({
      workflow: 'production-deploy',
      trigger: { type: 'manual' },
      started_by: { email: 'bob@acme.com' },
      reason: 'rotate the <TLS> certificates',
      status: 'RUNNING',
    });
    expect(run?.bypass).toBeUndefined();
    const events = await h.deps.auditQuery.readRun(run?.id ?? '');
    expect(events).toEqual([
      expect.objectContaining({
        action: 'run_started',
        actor: { email: 'bob@acme.com', name: 'Bob Builder' },
        reason: 'rotate the <TLS> certificates',
      }),
    ]);
    const page = await (await fetch(`${h.url}${location}`, { headers: { cookie: bob } })).text();
    expect(page).toContain('rotate the &lt;TLS&gt; certificates');
  });

  it('answers 400 without a reason, shows the form again with what was sent, and starts nothing', async () => {
    const before = await runIds();
    const response = await start(bob, { workflow: 'production-deploy', reason: '   ', ref: 'release/<1>' });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('No run was started.');
    expect(page).toContain('Give a reason: approvers see it, and the audit log keeps it.');
    expect(page).toContain('<option value="production-deploy" selected>');
    expect(page).toContain('value="release/&lt;1&gt;"');
    expect(await runIds()).toEqual(before);
  });

  it('answers 400 naming the problem for an unknown workflow or a bad ref, and starts nothing', async () => {
    const before = await runIds();
    const unknown = await start(bob, { workflow: 'nope', reason: 'why not' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('no workflow named &quot;nope&quot;');
    const badRef = await start(bob, { workflow: 'production-deploy', reason: 'r', ref: '-x..y' });
    expect(badRef.status).toBe(400);
    expect(await runIds()).toEqual(before);
  });

  it('refuses a developer a forged emergency start with 403, audited, even though the workflow lists developers', async () => {
    const before = await runIds();
    const response = await start(bob, {
      workflow: 'production-emergency',
      reason: 'outage',
      emergency: '1',
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('only admins may start it');
    // Without a justification too: the role is checked before anything is asked of the form.
    const bare = await start(bob, { workflow: 'production-emergency', reason: '', emergency: '1' });
    expect(bare.status).toBe(403);
    expect(await runIds()).toEqual(before);
    // The harness's clock stands still, so the filters pick the events rather than their order.
    const refused = await h.deps.auditQuery.list(
      { actor: 'bob@acme.com', workflow: 'production-emergency', action: 'start_refused' },
      { limit: 10 },
    );
    expect(refused.events).toHaveLength(2);
    expect(refused.events[0]).toMatchObject({
      action: 'start_refused',
      workflow: 'production-emergency',
      details: expect.objectContaining({ status: 403, bypass: true }),
    });
    // The API says the same.
    const admin = await start(bob, { workflow: 'admin-only-deploy', reason: 'please' });
    expect(admin.status).toBe(403);
  });

  it('asks an admin for a justification, then starts the emergency deploy flagged as a bypass', async () => {
    const empty = await start(alice, { workflow: 'production-emergency', reason: '', emergency: '1' });
    expect(empty.status).toBe(400);
    const page = await empty.text();
    expect(page).toContain('Give a justification');
    expect(page).toMatch(/<details class="card start-run" open>/);

    const response = await start(alice, {
      workflow: 'production-emergency',
      reason: 'INC-42: the load balancer drops every request',
      emergency: '1',
    });
    expect(response.status).toBe(303);
    const runId = decodeURIComponent((response.headers.get('location') ?? '').slice('/runs/'.length));
    expect(await h.deps.runs.get(runId)).toMatchObject({
      bypass: true,
      started_by: { email: 'alice@acme.com' },
    });
    expect((await h.deps.auditQuery.readRun(runId))[0]).toMatchObject({
      action: 'bypass_started',
      reason: 'INC-42: the load balancer drops every request',
    });
  });

  it('refuses a post without the CSRF token or from another site, and starts nothing', async () => {
    const before = await runIds();
    const noToken = await postForm(`${h.url}/runs`, { workflow: 'production-deploy', reason: 'r' }, bob);
    expect(noToken.status).toBe(403);
    const wrong = await postForm(
      `${h.url}/runs`,
      { workflow: 'production-deploy', reason: 'r', csrf: 'not-the-token' },
      bob,
    );
    expect(wrong.status).toBe(403);
    const csrf = csrfOf(await runsPage(bob));
    const crossSite = await postForm(
      `${h.url}/runs`,
      { workflow: 'production-deploy', reason: 'r', csrf },
      bob,
      'https://evil.example',
    );
    expect(crossSite.status).toBe(403);
    const signedOut = await postForm(`${h.url}/runs`, { workflow: 'production-deploy', reason: 'r', csrf });
    expect(signedOut.status).toBe(401);
    expect(await runIds()).toEqual(before);
  });
});
