import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAdapters } from '../../../functions/adapters/slack-adapters.ts';
import { requestApproval } from '../../../functions/core/approval/request-approval.ts';
import type { SlackInteractionDeps } from '../../../functions/core/slack/handle-slack-interaction.ts';
import { createSlackInteractionsHandler } from '../../../functions/slack-interactions/handler.ts';
import { startGateway } from '../../../local/gateway.ts';
import { createLocalSlack, type LocalSlack, localSlackId } from '../../../local/slack/local-slack.ts';
import { createDynamoDeps, DIRECTORY, requestInput, type TestDeps } from '../../support/approval-fixtures.ts';
import { type Dynalite, startDynalite } from '../../support/dynalite.ts';

const SECRET = 'local-signing-secret';
let db: Dynalite;
let local: LocalSlack;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let deps: TestDeps & SlackInteractionDeps;

beforeAll(async () => {
  db = await startDynalite();
  local = await createLocalSlack({
    signingSecret: async () => SECRET,
    directory: DIRECTORY,
    interactionsUrl: () => `${gateway.url}/slack/interactions`,
  });
  // Real time: the inbox signs clicks with the wall clock, as Slack does.
  const base = createDynamoDeps(db, { now: Date.now, set() {}, advance() {} });
  const secrets = {
    get: async (name: string) =>
      ({ 'slack-signing-secret': SECRET, 'slack-bot-token': local.botToken })[name],
  };
  const slack = createSlackAdapters({
    secrets,
    doc: db.docClient,
    gatesTable: db.tableNames.gates,
    publicUrl: 'http://127.0.0.1:3000',
    slackApiUrl: local.apiUrl,
    retries: 0,
  });
  deps = { ...base, notifier: slack.notifier as unknown as TestDeps['notifier'], secrets, slack: slack.api };
  gateway = await startGateway({
    port: 0,
    handlers: { 'slack-interactions': createSlackInteractionsHandler(() => deps) },
    localRoutes: [(req, res, url) => local.handleDevRequest(req, res, url)],
  });
});
afterAll(async () => {
  await gateway?.close();
  await local?.stop();
  await db?.stop();
});

async function page(as: string): Promise<string> {
  const response = await fetch(`${gateway.url}/dev/slack?as=${as}`);
  expect(response.status).toBe(200);
  return response.text();
}

function clickForm(html: string, actionId: string): URLSearchParams {
  const form = html.match(
    new RegExp(`<form method="post"[^>]*>(?:(?!</form>).)*value="${actionId}"(?:(?!</form>).)*</form>`),
  );
  expect(form).not.toBeNull();
  const fields = new URLSearchParams();
  for (const [, name, value] of (form?.[0] ?? '').matchAll(
    /<input type="hidden" name="([^"]+)" value="([^"]*)">/g,
  )) {
    fields.set(
      name ?? '',
      (value ?? '').replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))),
    );
  }
  return fields;
}

async function post(fields: URLSearchParams) {
  return fetch(`${gateway.url}/dev/slack/click`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    redirect: 'manual',
  });
}

describe('createLocalSlack', () => {
  it('shows posted messages and casts signed votes from the inbox buttons as the chosen person', async () => {
    const { gate } = await requestApproval(deps, requestInput({ notify: { slack: 'deploys', email: true } }));
    const alice = localSlackId(DIRECTORY.users[0] as (typeof DIRECTORY.users)[0]);
    const html = await page(alice);
    expect(html).toContain('🔐 Approval required: production-deploy');
    expect(html).toContain('#deploys');
    expect(html).toContain('Direct message to Alice Lead');

    const response = await post(clickForm(html, 'signoff_approve'));
    expect(response.status).toBe(303);
    expect(await deps.votes.list(gate.gate_id)).toMatchObject([
      { email: 'alice@acme.com', channel: 'slack' },
    ]);
    expect(await page(alice)).toContain('1 of 2: Alice Lead (slack)');

    // Bob has no Slack id in the directory: the stand-in gives him one and answers users.info with his email.
    const bob = localSlackId({ email: 'bob@acme.com' });
    await post(clickForm(await page(bob), 'signoff_approve'));
    expect((await deps.gates.get(gate.gate_id))?.status).toBe('approved');
    const after = await page(bob);
    expect(after).toContain('✅ Approved: production-deploy');
    expect(after).not.toContain('signoff_approve');
  });

  it('shows a refusal only to the person who clicked', async () => {
    await requestApproval(deps, requestInput({ notify: { slack: 'deploys', email: true } }));
    const omar = localSlackId({ email: 'omar@acme.com' });
    await post(clickForm(await page(omar), 'signoff_approve'));
    expect(await page(omar)).toContain('only visible to Omar Outsider');
    expect(await page(localSlackId({ email: 'carol@acme.com' }))).not.toContain(
      'only visible to Omar Outsider',
    );
  });

  it('refuses a click that did not come from its own page', async () => {
    const { gate } = await requestApproval(deps, requestInput({ notify: { slack: 'deploys', email: true } }));
    const fields = clickForm(await page(localSlackId({ email: 'carol@acme.com' })), 'signoff_approve');
    fields.set('csrf', 'forged');
    fields.set('value', gate.gate_id);
    expect((await post(fields)).status).toBe(403);
    expect(await deps.votes.list(gate.gate_id)).toEqual([]);
  });
});
