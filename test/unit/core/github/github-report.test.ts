import { describe, expect, it } from 'vitest';
import { GITHUB_TEXT_LIMIT } from '../../../../functions/core/github/github-api.ts';
import {
  escapeText,
  renderCheckRun,
  renderComment,
} from '../../../../functions/core/github/github-report.ts';
import type { Gate, RunRecord } from '../../../../functions/core/ports.ts';
import { gateConfig, mergedPrRun, requestInput, T0 } from '../../../support/approval-fixtures.ts';

function bigPlanGate(run: RunRecord, resources: number): Gate {
  const data = requestInput({}, run).data;
  if (data.plan) {
    data.plan.resources = Array.from({ length: resources }, (_, i) => ({
      address: `module.net.aws_subnet.private["${'x'.repeat(40)}-${i}"]`,
      action: 'create' as const,
    }));
  }
  return {
    gate_id: `${run.id}:approve`,
    run,
    step_id: 'approve',
    workflow: run.workflow,
    config: gateConfig(),
    approvers: [],
    unresolved: [],
    escalations: {},
    required: 2,
    requested_at: new Date(T0).toISOString(),
    deadline: new Date(T0 + 3600_000).toISOString(),
    requester: null,
    data,
    status: 'pending',
    approved_by: [],
    engine_notified: false,
  };
}

const run: RunRecord = { ...mergedPrRun({ number: 1, title: 't' }), execution_arn: 'arn', status: 'RUNNING' };

describe('renderCheckRun and renderComment', () => {
  it('keep a huge plan within GitHub’s 65,535 characters and say it was cut', () => {
    const input = {
      run,
      gates: [bigPlanGate(run, 5000)],
      stage: 'planning' as const,
      runUrl: 'http://x/runs/r',
    };
    const summary = renderCheckRun(input).output.summary;
    const comment = renderComment(input);
    for (const text of [summary, comment]) {
      expect(text.length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
      expect(text).toMatch(/cut to GitHub’s 65,535-character limit/);
    }
  });

  it('groups resources by type in collapsed details', () => {
    const comment = renderComment({
      run,
      gates: [bigPlanGate(run, 3)],
      stage: 'planning',
      runUrl: 'http://x',
    });
    expect(comment).toContain('<details><summary>aws\\_subnet (3)</summary>');
  });
});

describe('escapeText', () => {
  it('turns markup, links and mentions into plain text', () => {
    expect(escapeText('<img src=x> [click](http://evil) @octocat')).toBe(
      '&lt;img src=x&gt; \\[click\\](http://evil) &#64;octocat',
    );
  });
});

describe('a run before the merge', () => {
  it('says approved without applying, and ends as a check on the pull request’s head', () => {
    const info = mergedPrRun({ number: 3, title: 't' });
    if (info.trigger.type === 'github') info.trigger.event = 'pull_request';
    const prRun: RunRecord = { ...info, execution_arn: 'arn', status: 'RUNNING' };
    const gate = bigPlanGate(prRun, 1);
    gate.status = 'approved';
    gate.approved_by = [
      { email: 'a@acme.com', name: 'Alice', at: new Date(T0).toISOString(), channel: 'web' },
    ];
    const input = { run: prRun, gates: [gate], stage: 'planning' as const, runUrl: 'http://x' };
    expect(renderCheckRun(input)).toMatchObject({
      status: 'in_progress',
      output: { title: 'approved by Alice' },
    });
    const ended = {
      ...input,
      run: { ...prRun, status: 'SUCCEEDED' as const, stopped_at: new Date(T0).toISOString() },
    };
    expect(renderCheckRun(ended)).toMatchObject({ status: 'completed', conclusion: 'success' });
  });
});
