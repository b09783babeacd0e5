import { describe, expect, it } from 'vitest';
import { parseCheckov } from '../../../../functions/core/plan/checkov.ts';
import { parseConftest } from '../../../../functions/core/plan/conftest.ts';
import { summarizePolicyResults } from '../../../../functions/core/plan/policy-results.ts';
import { fixtureText } from './load-fixture.ts';

describe('parseConftest', () => {
  it('turns failures into mandatory failures, warnings into advisory ones, and successes into passes', () => {
    const results = parseConftest(fixtureText('policy/conftest.json'));
    expect(results).toEqual([
      {
        name: 'conftest main',
        source: 'conftest',
        severity: 'mandatory',
        passed: false,
        message: 'aws_s3_bucket_acl.assets: canned ACL public-read is not allowed',
      },
      {
        name: 'conftest main',
        source: 'conftest',
        severity: 'advisory',
        passed: false,
        message: 'aws_instance.web: missing tag cost-center',
      },
      {
        name: 'conftest main',
        source: 'conftest',
        severity: 'mandatory',
        passed: true,
        message: '3 rules passed on plan.json',
      },
      {
        name: 'conftest tags',
        source: 'conftest',
        severity: 'mandatory',
        passed: true,
        message: '1 rule passed on plan.json',
      },
    ]);
    expect(summarizePolicyResults(results)).toMatchObject({ passed: 2, failed: 2, mandatory_failed: 1 });
  });

  it('rejects output that is not conftest JSON', () => {
    expect(() => parseConftest('{"not":"conftest"}')).toThrow();
  });
});

describe('parseCheckov', () => {
  it('reads failed and passed checks with their ids, names and resources', () => {
    const results = parseCheckov(fixtureText('policy/checkov.json'));
    expect(results).toHaveLength(3);
    expect(results[0]).toEqual({
      name: 'CKV_AWS_20 S3 Bucket has an ACL defined which allows public READ access.',
      source: 'checkov',
      severity: 'mandatory',
      passed: false,
      message: expect.stringMatching(/^on aws_s3_bucket_acl\.assets; see https:/),
    });
    expect(results[1]).toMatchObject({
      name: expect.stringMatching(/^CKV_AWS_24 /),
      passed: false,
      message: 'on aws_vpc_security_group_ingress_rule.ssh',
    });
    expect(results[2]).toMatchObject({
      name: expect.stringMatching(/^CKV_AWS_16 /),
      passed: true,
      message: 'on aws_db_instance.main',
    });
    expect(summarizePolicyResults(results)).toMatchObject({ passed: 1, failed: 2, mandatory_failed: 2 });
  });

  it('reads the array Checkov writes for several frameworks, and can be advisory', () => {
    const results = parseCheckov(fixtureText('policy/checkov-multi.json'), { severity: 'advisory' });
    expect(results).toEqual([
      expect.objectContaining({
        name: 'CKV_AWS_157 Ensure that RDS instances have Multi-AZ enabled',
        severity: 'advisory',
        passed: false,
      }),
    ]);
  });

  it('reads the bare summary Checkov writes when there was nothing to scan', () => {
    expect(parseCheckov(fixtureText('policy/checkov-empty.json'))).toEqual([]);
  });

  it('rejects output that is not Checkov JSON', () => {
    expect(() => parseCheckov('[{"results": 3}]')).toThrow();
  });
});
