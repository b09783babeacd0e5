import { describe, expect, it } from 'vitest';
import { gateMessage } from '../../../../functions/adapters/slack-blocks.ts';
import { buildApprovalView } from '../../../../functions/core/approval/approval-view.ts';
import { buildGate } from '../../../../functions/core/approval/request-approval.ts';
import {
  describeSource,
  refProblem,
  remoteRepositorySource,
  SourceRefusedError,
  snapshotSource,
  sourceRequestOf,
} from '../../../../functions/core/runs/source.ts';
import type { RunSource } from '../../../../statemachines/contract.ts';
import { renderApprovalEmail } from '../../../../web/approval-email.ts';
import { renderApprovalPage } from '../../../../web/approval-page.ts';
import { createMemoryDeps, requestInput, T0 } from '../../../support/approval-fixtures.ts';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const github = remoteRepositorySource({ repository: 'acme/infra', defaultBranch: 'main' });

describe('resolving what a run builds', () => {
  it('pins a merged PR to its merge commit', async () => {
    const request = sourceRequestOf({
      type: 'github',
      delivery: 'd',
      repository: 'acme/infra',
      branch: 'main',
      pr: { number: 7, title: 't', author: 'a', merge_commit: SHA, url: 'u' },
    });
    expect(await github.resolve(request)).toEqual({
      type: 'repository',
      repository: 'acme/infra',
      commit: SHA,
      ref: 'main',
      checkout: SHA,
    });
  });

  it('hands a branch to the first build when only a branch is known (AWS), the default branch for a manual run', async () => {
    expect(await github.resolve({})).toEqual({
      type: 'repository',
      repository: 'acme/infra',
      ref: 'main',
      checkout: 'main',
    });
    expect(await github.resolve({ ref: 'release/2026-12' })).toMatchObject({ checkout: 'release/2026-12' });
  });

  it.each([
    [{ commit: 'abc1234' }, 'sha must be a full 40-character lowercase hex commit SHA'],
    [{ commit: SHA.toUpperCase() }, 'sha must be a full 40-character lowercase hex commit SHA'],
    [{ ref: '--upload-pack=touch /tmp/x' }, 'ref has a character git does not allow in a ref name'],
    [{ ref: '-x' }, 'ref must not start with "-", "/" or "." nor end with "/", "." or ".lock"'],
    [{ ref: 'a..b' }, 'ref must not contain "..", "@{" or "//"'],
    [{ ref: 'main@{1}' }, 'ref must not contain "..", "@{" or "//"'],
    [{ ref: 'heads/x.lock' }, 'ref must not start with "-", "/" or "." nor end with "/", "." or ".lock"'],
    [{ ref: '' }, 'ref must be 1 to 200 characters'],
  ])('refuses %j: %s', async (request, message) => {
    await expect(github.resolve(request)).rejects.toThrow(new SourceRefusedError(message));
    await expect(snapshotSource.resolve(request)).rejects.toThrow(message);
  });

  it('accepts ordinary branch and tag names', () => {
    for (const ref of ['main', 'release/2026-12', 'v1.2.3', 'feature/JIRA-12_fix'])
      expect(refProblem(ref)).toBeUndefined();
  });

  it('says plainly that a snapshot run did not build the commit the trigger named', async () => {
    const source = await snapshotSource.resolve({ commit: SHA });
    expect(source).toEqual({ type: 'snapshot', requested_commit: SHA });
    expect(describeSource(source)?.text).toBe(
      'deploy-time snapshot (not commit 0123456: no repository is configured)',
    );
  });
});

describe('the commit on the approval page, in the email and in Slack', () => {
  const source: RunSource = {
    type: 'repository',
    repository: 'acme/infra',
    commit: SHA,
    ref: 'main',
    checkout: SHA,
  };
  const gate = () => {
    const input = requestInput();
    input.run.source = source;
    return buildGate(createMemoryDeps(), input);
  };
  const link = `https://github.com/acme/infra/commit/${SHA}`;

  it('links the short SHA to the commit on GitHub', () => {
    const view = buildApprovalView(gate(), T0, 'https://signoff.example.com');
    expect(view.source).toEqual({ text: '0123456 on main', url: link });
    const page = renderApprovalPage({
      approval: view,
      votes: [],
      voter: { email: 'alice@acme.com', name: 'Alice' },
      token: 'token',
    });
    expect(page).toContain(`<a href="${link}"><code>0123456</code></a> on main`);
    const email = renderApprovalEmail(view, 'https://signoff.example.com/approvals/g?t=x', 'Bob');
    expect(email.text).toContain(`Commit: 0123456 on main (${link})`);
    const slack = JSON.stringify(
      gateMessage(gate(), { publicUrl: 'https://signoff.example.com', now: T0 }).blocks,
    );
    expect(slack).toContain(`*Commit:*\\n<${link}|0123456 on main>`);
  });

  it('shows no link for a repository that is not on GitHub', () => {
    expect(describeSource({ type: 'repository', repository: 'local', commit: SHA, checkout: SHA })).toEqual({
      text: '0123456',
      commit: SHA,
    });
  });
});
