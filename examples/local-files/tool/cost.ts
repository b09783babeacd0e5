/** Prices a plan with the example's price list and writes it in Infracost's JSON (version 0.2). */
import { HOURS_PER_MONTH, monthlyPrice } from './prices.ts';

interface PlanEntry {
  address: string;
  type: string;
  change: { before: Record<string, string> | null; after: Record<string, string> | null };
}

const money = (n: number) => String(Math.round(n * 1e6) / 1e6);

function breakdown(entries: { name: string; type: string; attributes: Record<string, string> }[]) {
  const resources = entries.map((e) => {
    const monthly = monthlyPrice(e.type, e.attributes);
    const label =
      e.type === 'local_file' ? `Storage (${e.attributes.storage_class ?? 'standard'})` : 'Directory';
    return {
      name: e.name,
      resourceType: e.type,
      metadata: {},
      hourlyCost: money(monthly / HOURS_PER_MONTH),
      monthlyCost: money(monthly),
      costComponents: [
        {
          name: label,
          unit: 'months',
          hourlyQuantity: money(1 / HOURS_PER_MONTH),
          monthlyQuantity: '1',
          price: money(monthly),
          hourlyCost: money(monthly / HOURS_PER_MONTH),
          monthlyCost: money(monthly),
        },
      ],
    };
  });
  const total = entries.reduce((sum, e) => sum + monthlyPrice(e.type, e.attributes), 0);
  return {
    resources,
    totalHourlyCost: money(total / HOURS_PER_MONTH),
    totalMonthlyCost: money(total),
    total,
  };
}

/** Builds Infracost-shaped JSON for a Terraform JSON plan: past (before), now (after) and the diff. */
export function costReport(plan: { resource_changes?: PlanEntry[] }, projectName: string, now: Date) {
  const changes = plan.resource_changes ?? [];
  const side = (s: 'before' | 'after') =>
    changes.flatMap((c) => {
      const attributes = c.change[s];
      return attributes ? [{ name: c.address, type: c.type, attributes }] : [];
    });
  const { total: past, ...pastBreakdown } = breakdown(side('before'));
  const { total: after, ...nowBreakdown } = breakdown(side('after'));
  const diff = after - past;
  return {
    version: '0.2',
    metadata: { infracostCommand: 'breakdown', priceList: 'local-files example price list (made up)' },
    currency: 'USD',
    projects: [
      {
        name: projectName,
        metadata: { path: 'plan.json', type: 'terraform_plan_json' },
        pastBreakdown,
        breakdown: nowBreakdown,
        diff: {
          resources: [],
          totalHourlyCost: money(diff / HOURS_PER_MONTH),
          totalMonthlyCost: money(diff),
        },
        summary: { totalDetectedResources: changes.length, totalSupportedResources: changes.length },
      },
    ],
    totalHourlyCost: nowBreakdown.totalHourlyCost,
    totalMonthlyCost: nowBreakdown.totalMonthlyCost,
    pastTotalHourlyCost: pastBreakdown.totalHourlyCost,
    pastTotalMonthlyCost: pastBreakdown.totalMonthlyCost,
    diffTotalHourlyCost: money(diff / HOURS_PER_MONTH),
    diffTotalMonthlyCost: money(diff),
    timeGenerated: now.toISOString(),
    summary: { totalDetectedResources: changes.length, totalSupportedResources: changes.length },
  };
}
