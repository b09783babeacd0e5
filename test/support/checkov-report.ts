/** A Checkov `terraform_plan` JSON report of a given size, as `checkov -o json` prints it. */

/** One Checkov check on one resource, with the fields Checkov prints (signoff reads a few). */
function check(i: number, resource: string) {
  return {
    check_id: `CKV_AWS_${(i % 380) + 1}`,
    bc_check_id: `BC_AWS_GENERAL_${(i % 380) + 1}`,
    check_name: `Ensure the managed resource follows the organisation's hardening baseline, rule ${(i % 380) + 1}`,
    check_result: { result: 'PASSED', evaluated_keys: ['content', 'file_permission'] },
    file_path: '/plan.json',
    resource,
    guideline: `https://docs.prismacloud.io/en/enterprise-edition/policy-reference/aws-policies/rule-${(i % 380) + 1}`,
  };
}

/** A report with `passed` passed checks spread over `resources`, and no failures. */
export function checkovReport(passed: number, resources: string[]) {
  const passed_checks = Array.from({ length: passed }, (_, i) =>
    check(i, resources[i % resources.length] ?? 'x'),
  );
  return {
    check_type: 'terraform_plan',
    results: { passed_checks, failed_checks: [], skipped_checks: [], parsing_errors: [] },
    summary: { passed, failed: 0, skipped: 0, parsing_errors: 0, resource_count: resources.length },
  };
}
