import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../../statemachines/compile.ts';
import { workflowSchema } from '../../../statemachines/schema.ts';
import { followingGates } from '../../../statemachines/workflow-graph.ts';
import { example } from '../../support/examples.ts';

/** The gate config the compiled approval task hands to request-approval. */
function payloadGate(definition: ReturnType<typeof compileWorkflow>, stepId: string) {
  const parameters = definition.States[stepId]?.Parameters as { Payload: { gate: Record<string, unknown> } };
  return parameters.Payload.gate;
}

describe('followingGates', () => {
  it('stores on the first gate the finance gate after it and the cost condition that decides', () => {
    const definition = compileWorkflow(example('production-deploy-with-escalation').workflow);
    expect(payloadGate(definition, 'approve').follows).toEqual([
      {
        step_id: 'finance_approval',
        name: 'finance_approval',
        approvers: ['team:finance'],
        required: 1,
        when: [
          {
            step_id: 'check_cost',
            field: 'cost.monthly_delta',
            op: 'gt',
            value: 500,
            when_missing: 'then',
            branch: 'then',
          },
        ],
      },
    ]);
    // Nothing follows the last gate, and a gate with nothing after it compiles as before.
    expect(payloadGate(definition, 'finance_approval')).not.toHaveProperty('follows');
  });

  it('lists a gate every run reaches with no condition, stops at the next gate, and follows both branches', () => {
    const workflow = workflowSchema.parse({
      name: 'three-gates',
      environment: 'production',
      steps: [
        { id: 'first', type: 'approval', approvers: ['team:a'] },
        { id: 'second', type: 'approval', name: 'Security review', approvers: ['team:b'], required: 2 },
        {
          id: 'big',
          type: 'condition',
          if: { field: 'plan.destroy', op: 'gte', value: 1 },
          then: 'third',
          else: 'fourth',
        },
        { id: 'third', type: 'approval', approvers: ['team:c'] },
        { id: 'fourth', type: 'approval', approvers: ['team:d'] },
      ],
    });
    const first = workflow.steps[0] as (typeof workflow.steps)[number];
    const second = workflow.steps[1] as (typeof workflow.steps)[number];
    expect(followingGates(workflow, first)).toEqual([
      { step_id: 'second', name: 'Security review', approvers: ['team:b'], required: 2, when: [] },
    ]);
    const after = followingGates(workflow, second);
    expect(after.map((g) => [g.step_id, g.when.map((w) => `${w.step_id}:${w.branch}`)])).toEqual([
      ['third', ['big:then']],
      // "third" runs on into "fourth" in workflow order: that path passes a gate first, so it is not listed.
      ['fourth', ['big:else']],
    ]);
  });
});
