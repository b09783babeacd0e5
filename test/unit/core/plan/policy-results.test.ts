import { describe, expect, it } from 'vitest';
import {
  MAX_LISTED_FAILURES,
  MAX_MESSAGE_CHARS,
  type PolicyResult,
  summarizePolicyResults,
} from '../../../../functions/core/plan/policy-results.ts';

const result = (
  i: number,
  passed: boolean,
  severity: PolicyResult['severity'] = 'mandatory',
): PolicyResult => ({
  name: `CKV_AWS_${i} Ensure the thing number ${i} is configured`,
  source: 'checkov',
  severity,
  passed,
  message: `on local_file.f${i}`,
});

describe('summarizePolicyResults', () => {
  it('counts passed results without listing them, so the summary stays small however many pass', () => {
    const results = Array.from({ length: 2250 }, (_, i) => result(i, true));
    const summary = summarizePolicyResults(results, 'runs/r/plan/policy.json');
    expect(summary).toEqual({
      passed: 2250,
      failed: 0,
      mandatory_failed: 0,
      results: [],
      results_truncated: false,
      artifact: 'runs/r/plan/policy.json',
    });
    expect(JSON.stringify(summary).length).toBeLessThan(200);
  });

  it('lists failures mandatory first and caps them, flagging the cut', () => {
    const results = [
      ...Array.from({ length: 80 }, (_, i) => result(i, false, 'advisory')),
      ...Array.from({ length: 30 }, (_, i) => result(100 + i, false, 'mandatory')),
      result(999, true),
    ];
    const summary = summarizePolicyResults(results);
    expect(summary).toMatchObject({ passed: 1, failed: 110, mandatory_failed: 30, results_truncated: true });
    expect(summary.results).toHaveLength(MAX_LISTED_FAILURES);
    expect(summary.results.slice(0, 30).every((r) => r.severity === 'mandatory')).toBe(true);
    expect(summary.results.every((r) => !r.passed)).toBe(true);
  });

  it('shortens a very long failure message', () => {
    const long = { ...result(1, false), message: 'x'.repeat(10_000) };
    const [listed] = summarizePolicyResults([long]).results;
    expect(listed?.message).toHaveLength(MAX_MESSAGE_CHARS);
    expect(listed?.message?.endsWith('…')).toBe(true);
  });
});
