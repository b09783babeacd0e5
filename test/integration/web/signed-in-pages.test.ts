import '../../../local/polyfills.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactKey } from '../../../functions/core/plan/artifact-keys.ts';
import { requestInput, runInfo, T0 } from '../../support/approval-fixtures.ts';
import {
  cookieHeader,
  linkIn,
  postForm,
  signInByEmail,
  startWebHarness,
  type WebHarness,
} from './web-harness.ts';

let h: WebHarness;
let aliceCookie = '';

beforeAll(async () => {
  h = await startWebHarness();
  aliceCookie = await signIn('alice@acme.com');
});

afterAll(async () => {
  await h?.stop();
});

const signIn = (email: string) => signInByEmail(h, email);

function csrfOf(page: string): string {
  return page.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
}

describe('sign-in', () => {
  it('round trip: emailed link, confirm button, HttpOnly cookie, then the runs page renders', async () => {
    const run = runInfo({ id: 'run-signin-1' });
    await h.openGate(requestInput({}, run));
    const before = (await h.ses.emails()).length;
    const sent = await postForm(`${h.url}/signin`, { email: 'bob@acme.com', next: '/runs' });
    expect(await sent.text()).toContain('Check your email');
    const mail = (await h.ses.emails()).slice(before).find((m) => m.destination.to[0] === 'bob@acme.com');
    expect(mail?.subject).toBe('Your signoff sign-in link');
    const link = linkIn(mail?.body.text ?? '', `${h.url}/signin/`);

    // Opening the link (as a mail scanner would) signs nobody in and uses nothing up.
    const confirm = await fetch(link, { redirect: 'manual' });
    expect(confirm.status).toBe(200);
    expect(confirm.headers.getSetCookie()).toEqual([]);
    const page = await confirm.text();
    expect(page).toContain('Sign in as Bob Builder');
    const token = page.match(/name="token" value="([^"]+)"/)?.[1] ?? '';

    const signedIn = await postForm(`${h.url}/signin`, { token, next: '/runs?status=waiting' });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/runs?status=waiting');
    const [cookie] = signedIn.headers.getSetCookie();
    expect(cookie).toMatch(
      /^signoff_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/,
    );

    const runs = await fetch(`${h.url}/runs?status=waiting`, { headers: { cookie: cookieHeader(signedIn) } });
    expect(runs.status).toBe(200);
    const body = await runs.text();
    expect(body).toContain('run-signin-1');
    expect(body).toContain('Waiting for approval');
    expect(body).toContain('Bob Builder');

    // The link works once.
    const again = await postForm(`${h.url}/signin`, { token });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('already used');
  });

  it('answers the same whether or not the email belongs to a user', async () => {
    const before = (await h.ses.emails()).length;
    const known = await (await postForm(`${h.url}/signin`, { email: 'carol@acme.com' })).text();
    const unknown = await (await postForm(`${h.url}/signin`, { email: 'mallory@evil.example' })).text();
    expect(unknown).toBe(known);
    const sent = (await h.ses.emails()).slice(before).map((m) => m.destination.to[0]);
    expect(sent).toEqual(['carol@acme.com']);
  });

  // Issue 13: signed in, GET /signin?next=%2F%09%2Fevil.example answered 303 Location: /\t/evil.example
  // (browsers drop the tab and go to //evil.example); a newline in next threw ERR_INVALID_CHAR.
  it('redirects a signed-in visitor only to a path on this site, whatever next says', async () => {
    const cookie = await signIn('bob@acme.com');
    for (const next of [
      '%2F%09%2Fevil.example',
      '%2F%0A%2Fevil.example',
      '%2F.%2F%2Fevil.example',
      '%2F%5Cevil.example',
    ]) {
      const response = await fetch(`${h.url}/signin?next=${next}`, {
        headers: { cookie },
        redirect: 'manual',
      });
      expect(response.status, next).toBe(303);
      expect(response.headers.get('location'), next).toBe('/runs');
    }
    const kept = await fetch(`${h.url}/signin?next=%2Faudit`, { headers: { cookie }, redirect: 'manual' });
    expect(kept.headers.get('location')).toBe('/audit');
  });

  it('sends a visitor without a session to the sign-in page, and signs out', async () => {
    const anonymous = await fetch(`${h.url}/audit?workflow=production-deploy`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/signin?next=%2Faudit%3Fworkflow%3Dproduction-deploy');

    const cookie = await signIn('dave@acme.com');
    const page = await (await fetch(`${h.url}/runs`, { headers: { cookie } })).text();
    const refused = await postForm(`${h.url}/signout`, { csrf: 'wrong' }, cookie);
    expect(refused.status).toBe(403);
    const out = await postForm(`${h.url}/signout`, { csrf: csrfOf(page) }, cookie);
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie()[0]).toContain('Max-Age=0');
    const after = await fetch(`${h.url}/runs`, { headers: { cookie }, redirect: 'manual' });
    expect(after.status).toBe(303);
  });
});

describe('run page', () => {
  it('shows one row per workflow step with timings, the gate and a CSRF-checked vote form', async () => {
    const run = runInfo({ id: 'run-detail-1' });
    await h.openGate(requestInput({}, run));
    const at = (s: number) => new Date(T0 + s * 1000).toISOString();
    h.runEngine.history_ = [
      { state: 'Initialize', entered_at: at(0), exited_at: at(0), status: 'succeeded' },
      { state: 'plan', entered_at: at(1), exited_at: at(40), status: 'succeeded' },
      { state: 'plan.summarize', entered_at: at(40), exited_at: at(42), status: 'succeeded' },
      { state: 'approve', entered_at: at(42), status: 'running' },
    ];
    const page = await (
      await fetch(`${h.url}/runs/run-detail-1`, { headers: { cookie: aliceCookie } })
    ).text();
    expect(page).not.toContain('Initialize');
    expect(page).not.toContain('plan.summarize');
    const rows = page.match(/<span class="step-id">[^<]+<\/span>/g);
    expect(rows).toEqual([
      '<span class="step-id">plan</span>',
      '<span class="step-id">approve</span>',
      '<span class="step-id">apply</span>',
    ]);
    expect(page).toContain('41 s');
    expect(page).toContain('st-waiting');
    expect(page).toContain('Not started');

    const csrf = csrfOf(page);
    const gateId = page.match(/name="gate" value="([^"]+)"/)?.[1] ?? '';
    const noCsrf = await postForm(
      `${h.url}/runs/run-detail-1`,
      { gate: gateId, decision: 'approve' },
      aliceCookie,
    );
    expect(noCsrf.status).toBe(403);
    expect((await h.deps.gates.get(gateId))?.approved_by).toEqual([]);

    const voted = await postForm(
      `${h.url}/runs/run-detail-1`,
      { gate: gateId, decision: 'approve', comment: 'fine by me', csrf },
      aliceCookie,
    );
    expect(voted.status).toBe(200);
    expect(await voted.text()).toContain('Your approval is counted.');
    const audit = await h.deps.auditQuery.readRun('run-detail-1');
    expect(audit.at(-1)).toMatchObject({ action: 'approved', channel: 'web', comment: 'fine by me' });
  });

  it('refuses a vote from the requester and flags an emergency bypass run', async () => {
    const run = runInfo({ id: 'run-bypass-1', bypass: true, reason: 'hotfix for outage' });
    await h.deps.runs.create({ ...run, execution_arn: 'arn:x', status: 'SUCCEEDED' });
    await h.deps.artifacts.put(
      artifactKey(run.id, 'plan', 'summary.json'),
      JSON.stringify({
        plan: { ...requestInput().data.plan, artifacts: { plan_json: 'runs/none/plan.json' } },
        cost: { estimated: false, reason: 'no estimate' },
        policy: { passed: 0, failed: 0, mandatory_failed: 0, results: [] },
      }),
    );
    h.runEngine.history_ = [
      {
        state: 'plan',
        entered_at: new Date(T0).toISOString(),
        exited_at: new Date(T0 + 1000).toISOString(),
        status: 'succeeded',
      },
    ];
    const page = await (
      await fetch(`${h.url}/runs/run-bypass-1`, { headers: { cookie: aliceCookie } })
    ).text();
    expect(page).toContain('Emergency bypass.');
    expect(page).toContain('post-incident review');
    expect(page).toContain('hotfix for outage');
    expect(page).toContain('aws_vpc.main');

    const jane = await signIn('jane@acme.com');
    const gateRun = runInfo({ id: 'run-self-1' });
    const gateId = await h.openGate(
      requestInput({ approvers: ['team:platform-leads', 'user:jane@acme.com'] }, gateRun),
    );
    const janePage = await (await fetch(`${h.url}/runs/run-self-1`, { headers: { cookie: jane } })).text();
    const response = await postForm(
      `${h.url}/runs/run-self-1`,
      { gate: gateId, decision: 'approve', csrf: csrfOf(janePage) },
      jane,
    );
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('cannot approve it');
  });

  it('answers 404 for an unknown run', async () => {
    const response = await fetch(`${h.url}/runs/nope`, { headers: { cookie: aliceCookie } });
    expect(response.status).toBe(404);
  });
});

describe('audit page', () => {
  it('exports as CSV exactly the rows the page shows, with a header and quoting', async () => {
    const run = runInfo({ id: 'run-audit-1' });
    const gateId = await h.openGate(requestInput({}, run));
    const page = await (
      await fetch(`${h.url}/runs/run-audit-1`, { headers: { cookie: aliceCookie } })
    ).text();
    await postForm(
      `${h.url}/runs/run-audit-1`,
      { gate: gateId, decision: 'approve', comment: 'ok, "really", fine', csrf: csrfOf(page) },
      aliceCookie,
    );
    const query = 'workflow=production-deploy&actor=alice%40acme.com';
    const html = await (await fetch(`${h.url}/audit?${query}`, { headers: { cookie: aliceCookie } })).text();
    const shownRuns = [...html.matchAll(/<a href="\/runs\/([^"]+)"><code>/g)].map((m) => m[1]);
    expect(shownRuns.length).toBeGreaterThan(0);
    expect(html).toContain('ok, &quot;really&quot;, fine');

    const csv = await fetch(`${h.url}/audit?${query}&format=csv`, { headers: { cookie: aliceCookie } });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="signoff-audit.csv"');
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'at,action,actor_email,actor_name,workflow,run_id,step_id,gate_id,channel,decision,comment,reason,response_time_ms,plan,bypass,seq,hash',
    );
    expect(lines.slice(1).map((l) => l.split(',')[5])).toEqual(shownRuns);
    expect(lines.find((l) => l.includes('run-audit-1'))).toContain('"ok, ""really"", fine"');

    const json = await fetch(`${h.url}/audit?${query}&format=json`, { headers: { cookie: aliceCookie } });
    const { events } = (await json.json()) as { events: { run_id: string }[] };
    expect(events.map((e) => e.run_id)).toEqual(shownRuns);
  });

  it('pages with the opaque cursor and refuses a forged one', async () => {
    const first = await (await fetch(`${h.url}/audit`, { headers: { cookie: aliceCookie } })).text();
    expect(first).toContain('Audit log');
    const bad = await fetch(`${h.url}/audit?cursor=bm9wZQ`, { headers: { cookie: aliceCookie } });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${h.url}/audit?workflow=nope`, { headers: { cookie: aliceCookie } });
    expect(unknown.status).toBe(400);
  });
});

describe('audit filters', () => {
  it('filters by action, actor, run and time, and writes each row as a sentence', async () => {
    const run = runInfo({ id: 'run-audit-filter' });
    const gateId = await h.openGate(requestInput({}, run));
    const page = await (await fetch(`${h.url}/runs/${run.id}`, { headers: { cookie: aliceCookie } })).text();
    await postForm(
      `${h.url}/runs/${run.id}`,
      { gate: gateId, decision: 'approve', comment: 'looks right', csrf: csrfOf(page) },
      aliceCookie,
    );
    const day = new Date(T0).toISOString().slice(0, 10);
    const query = `action=approved&actor=alice%40acme.com&run=${run.id}&from=${day}&to=${day}`;
    const html = await (await fetch(`${h.url}/audit?${query}`, { headers: { cookie: aliceCookie } })).text();
    const rows = [...html.matchAll(/<tr(?: class="[^"]*")?>\s*<td class="nowrap">/g)];
    expect(rows).toHaveLength(1);
    expect(html).toContain('Approved (1 of 2): &#39;looks right&#39;');
    expect(html).toMatch(/<option value="approved" selected>Approved<\/option>/);
    // The next day holds nothing of it.
    const next = new Date(T0 + 86_400_000).toISOString().slice(0, 10);
    const later = await (
      await fetch(`${h.url}/audit?run=${run.id}&from=${next}`, { headers: { cookie: aliceCookie } })
    ).text();
    expect(later).toContain('No audit events match.');
  });

  it('answers 400 with every problem for bad filters', async () => {
    const bad = await fetch(`${h.url}/audit?action=deleted&from=tomorrow`, {
      headers: { cookie: aliceCookie },
    });
    expect(bad.status).toBe(400);
    const body = await bad.text();
    expect(body).toContain('action &quot;deleted&quot; is not an audit action');
    expect(body).toContain(
      'from must be a date (2026-12-04) or a UTC time (2026-12-04T15:30), not &quot;tomorrow&quot;.',
    );
  });
});

describe('approvals report', () => {
  it('renders the charts as inline SVG from the audit trail', async () => {
    const response = await fetch(`${h.url}/reports/approvals`, { headers: { cookie: aliceCookie } });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('<svg viewBox="0 0 640 280" role="img"');
    expect(body).toContain('Approval timeouts per month');
    expect(body).toMatch(/<strong>\d+<\/strong> requested/);
  });

  it('serves the stylesheet', async () => {
    const css = await fetch(`${h.url}/static/style.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.badge');
    expect((await fetch(`${h.url}/static/other.css`)).status).toBe(404);
  });
});
