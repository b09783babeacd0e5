import { describe, expect, it } from 'vitest';
import { loadPolicyResults } from '../../../functions/web/policy-report.ts';
import type { PolicySummary } from '../../../statemachines/contract.ts';
import { renderPolicySection } from '../../../web/policy-section.ts';

const row = (i: number, passed: boolean) => ({
  name: `CKV_AWS_${i}`,
  source: 'checkov',
  severity: 'mandatory' as const,
  passed,
  message: `on aws_s3_bucket.b${i}`,
});

const summary: PolicySummary = {
  passed: 3,
  failed: 1,
  mandatory_failed: 0,
  results: [{ ...row(9, false), severity: 'advisory' }],
  results_truncated: false,
  artifact: 'runs/r/plan/policy.json',
};

const store = (objects: Record<string, string>) => ({
  async put() {},
  async get(key: string) {
    return key in objects ? new TextEncoder().encode(objects[key]) : undefined;
  },
});

describe('renderPolicySection', () => {
  it('lists every result, passed ones too, when the full results were read', async () => {
    const full = await loadPolicyResults(
      store({
        'runs/r/plan/policy.json': JSON.stringify({
          results: [row(1, true), row(2, true), row(3, true), row(9, false)],
        }),
      }),
      summary,
    );
    const out = String(renderPolicySection(summary, full));
    expect(out).toContain('3 passed, 1 failed');
    expect(out.match(/<tr>/g)).toHaveLength(5);
    expect(out).toContain('CKV_AWS_1');
    expect(out).not.toContain('not listed');
  });

  it('shows the failures and says how many passed when the full results are gone', async () => {
    const full = await loadPolicyResults(store({}), summary);
    const out = String(renderPolicySection(summary, full));
    expect(out).toContain('3 passed (not listed).');
    expect(out).toContain('not in the artifact store');
    expect(out).toContain('CKV_AWS_9');
    expect(out).not.toContain('CKV_AWS_1<');
  });

  it('says how many failures it shows when the list was capped', () => {
    const out = String(renderPolicySection({ ...summary, failed: 120, results_truncated: true }));
    expect(out).toContain('Showing 1 of 120 failed.');
  });

  it('uses the summary list as the full list for summaries written before policy.json existed', async () => {
    const old = { ...summary, passed: 1, artifact: undefined, results: [row(1, true), row(9, false)] };
    expect(await loadPolicyResults(store({}), old)).toEqual({ results: old.results });
    expect(await loadPolicyResults(store({}), { ...summary, artifact: undefined })).toBeUndefined();
  });
});
