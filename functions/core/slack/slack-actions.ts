/** The action ids of signoff's Slack buttons; their `value` is the gate id and nothing else. */
export const SLACK_ACTION = {
  approve: 'signoff_approve',
  reject: 'signoff_reject',
  /** The "View plan" link button: Slack still sends a click, which needs only an ack. */
  view: 'signoff_view',
} as const;

/** The decision a button stands for, or undefined for any other action id. */
export function decisionOfAction(actionId: string): 'approve' | 'reject' | undefined {
  if (actionId === SLACK_ACTION.approve) return 'approve';
  if (actionId === SLACK_ACTION.reject) return 'reject';
  return undefined;
}
