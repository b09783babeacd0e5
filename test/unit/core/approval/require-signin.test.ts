/**
 * `require_signin`: a gate that counts only votes cast on signoff's pages within `max_age` of an
 * identity-provider sign-in. The workflow setting, its environment default and range, what the
 * gate carries, and the vote check at the edges of `max_age`.
 */
import { describe, expect, it } from 'vitest';
import { listGatesAwaitingVote } from '../../../../functions/core/approval/awaiting-vote.ts';
import { isEligible } from '../../../../functions/core/approval/eligibility.ts';
import { freshSigninPath } from '../../../../functions/core/approval/gate.ts';
import { buildGate, requestApproval } from '../../../../functions/core/approval/request-approval.ts';
import { gateConfig as compileGateConfig } from '../../../../statemachines/compile.ts';
import { formatProblem, loadWorkflow } from '../../../../statemachines/load.ts';
import type { ApprovalStep, Environments, Projects } from '../../../../statemachines/schema.ts';
import { createMemoryDeps, DIRECTORY, requestInput, T0 } from '../../../support/approval-fixtures.ts';

const projects: Projects = { projects: [{ name: 'net', tool: 'terraform', directory: 'infra/net' }] };
const STRICT_PRODUCTION: Environments = {
  environments: { production: { defaults: { auto_approve: 'allow', require_signin: true } } },
};

function approvalStep(extra: string, environments?: Environments) {
  const text = `name: wf\nenvironment: production\nsteps:\n  - { id: approve, type: approval, approvers: [team:platform-leads]${extra} }\n`;
  return loadWorkflow(text, 'wf.yaml', {
    directory: DIRECTORY,
    projects,
    ...(environments ? { environments } : {}),
  });
}

function compiledConfig(extra: string, environments?: Environments) {
  const loaded = approvalStep(extra, environments);
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  return compileGateConfig(loaded.value.steps[0] as ApprovalStep, loaded.value);
}

describe('require_signin in a workflow', () => {
  it('true asks for a sign-in within 15 minutes; max_age sets another; absent asks for none', () => {
    expect(compiledConfig(', require_signin: true').require_signin).toEqual({ max_age_seconds: 900 });
    expect(compiledConfig(', require_signin: { max_age: 5m }').require_signin).toEqual({
      max_age_seconds: 300,
    });
    expect(compiledConfig('').require_signin).toBeUndefined();
    expect(compiledConfig(', require_signin: false').require_signin).toBeUndefined();
  });

  it('an environment that requires it requires it of every gate of its workflows, whatever the step says', () => {
    expect(compiledConfig('', STRICT_PRODUCTION).require_signin).toEqual({ max_age_seconds: 900 });
    expect(compiledConfig(', require_signin: false', STRICT_PRODUCTION).require_signin).toEqual({
      max_age_seconds: 900,
    });
    expect(compiledConfig(', require_signin: { max_age: 2m }', STRICT_PRODUCTION).require_signin).toEqual({
      max_age_seconds: 120,
    });
  });

  it('refuses a max_age outside 1m-1h, and a value of the wrong shape, at file:line', () => {
    const problems = (extra: string) => {
      const loaded = approvalStep(extra);
      return loaded.ok ? [] : loaded.problems.map(formatProblem);
    };
    expect(problems(', require_signin: { max_age: 2h }')).toEqual([
      expect.stringMatching(/^wf\.yaml:4:\d+: .*2h is out of range; a sign-in counts as recent for 1m to 1h/),
    ]);
    expect(problems(', require_signin: { max_age: 30s }')).toHaveLength(1);
    expect(problems(', require_signin: yes')).toHaveLength(1);
  });
});

describe('a vote on a require_signin gate', () => {
  const gate = buildGate(
    { directory: DIRECTORY, now: () => T0 },
    requestInput({ require_signin: { max_age_seconds: 900 }, required: 1 }),
  );
  const voter = DIRECTORY.users.find((u) => u.email === 'alice@acme.com');
  const vote = (authTimeMs: number | undefined, channel: 'web' | 'slack' | 'email' | 'api' = 'web') =>
    isEligible(gate, 'alice@acme.com', voter, T0, 'approve', {
      directory: DIRECTORY,
      channel,
      ...(authTimeMs !== undefined ? { signin: { auth_time: Math.floor(authTimeMs / 1000) } } : {}),
    });

  it('counts from a session signed in within max_age, up to its last second', () => {
    expect(vote(T0 - 60_000).eligible).toBe(true);
    expect(vote(T0 - 900_000).eligible).toBe(true);
  });

  it('is refused fresh_signin_required past max_age, without a sign-in, and from Slack, email or the API', () => {
    for (const refused of [
      vote(T0 - 901_000),
      vote(undefined),
      vote(undefined, 'slack'),
      vote(undefined, 'email'),
      vote(undefined, 'api'),
    ]) {
      expect(refused).toMatchObject({ eligible: false, code: 'fresh_signin_required' });
      if (!refused.eligible) expect(refused.reason).toContain('within 15 minute(s) of signing in');
    }
  });

  it('leads to a sign-in with its max_age that comes back to the run', () => {
    expect(freshSigninPath(gate)).toBe(
      `/signin/oidc?max_age=900&next=${encodeURIComponent(`/runs/${gate.run.id}`)}`,
    );
  });

  it('a gate without it is not affected', () => {
    const plain = buildGate({ directory: DIRECTORY, now: () => T0 }, requestInput({ required: 1 }));
    expect(
      isEligible(plain, 'alice@acme.com', voter, T0, 'approve', { directory: DIRECTORY, channel: 'slack' })
        .eligible,
    ).toBe(true);
  });
});

describe('the "Needs my vote" tab', () => {
  it('lists a require_signin gate for its approvers: the run page asks them to sign in again', async () => {
    const deps = createMemoryDeps();
    await requestApproval(deps, requestInput({ require_signin: { max_age_seconds: 900 }, required: 1 }));
    const waiting = await listGatesAwaitingVote(deps, 'alice@acme.com', 10);
    expect(waiting).toHaveLength(1);
    expect(await listGatesAwaitingVote(deps, 'victor@acme.com', 10)).toEqual([]);
  });
});
