/**
 * signoff's own plan policies (`config/policies.yaml`): named CEL expressions over the
 * plan. An expression is the rule that must hold: `true` passes, `false` fails. Every
 * problem in the file is reported with its file:line, not only the first.
 */
import { isMap, isNode, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { InvalidPolicyError, type Policy, policySchema } from './policy.ts';
import { compilePolicy } from './policy-expression.ts';

const fileSchema = z.strictObject({ policies: z.array(z.unknown()).default([]) });

/** Parses and checks a policies file: every policy's shape and expression, with file:line problems. */
export function loadPolicies(text: string, file: string): { policies: Policy[]; problems: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => lines.linePos(offset ?? 0).line;
  const problems = doc.errors.map(
    (e) => `${file}:${lineOf(e.pos[0])}: YAML syntax: ${e.message.split('\n')[0]}`,
  );
  if (problems.length > 0) return { policies: [], problems };

  const top = fileSchema.safeParse(doc.toJS() ?? {});
  if (!top.success) {
    return { policies: [], problems: [`${file}:1: must be a map with a list of policies under "policies"`] };
  }
  const seq = isMap(doc.contents) ? doc.contents.get('policies', true) : undefined;
  const items = isSeq(seq) ? seq.items : [];
  const policies: Policy[] = [];
  const seen = new Set<string>();
  top.data.policies.forEach((raw, i) => {
    const node = items[i];
    const nodeStart = isNode(node) ? node.range?.[0] : undefined;
    const itemLine = lineOf(nodeStart);
    const parsed = policySchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.join('.');
        const fieldNode = isMap(node) && field ? node.get(field, true) : undefined;
        const line = lineOf(isNode(fieldNode) ? fieldNode.range?.[0] : nodeStart);
        const label =
          typeof (raw as { name?: unknown })?.name === 'string'
            ? `policy "${(raw as { name: string }).name}"`
            : `policy ${i + 1}`;
        problems.push(`${file}:${line}: ${label}: ${field || 'policy'} ${issue.message}`);
      }
      return;
    }
    const expressionNode = isMap(node) ? node.get('expression', true) : undefined;
    const line = lineOf(isNode(expressionNode) ? expressionNode.range?.[0] : nodeStart);
    const policy: Policy = { ...parsed.data, location: { file, line } };
    if (seen.has(policy.name)) problems.push(`${file}:${itemLine}: policy "${policy.name}" is defined twice`);
    seen.add(policy.name);
    try {
      compilePolicy(policy);
      policies.push(policy);
    } catch (error) {
      problems.push(...(error instanceof InvalidPolicyError ? error.problems : [String(error)]));
    }
  });
  return { policies, problems };
}
