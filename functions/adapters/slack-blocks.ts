/**
 * The Block Kit message of a gate, for every state it can be in: the request with Approve /
 * Reject / View plan while pending (with approvals so far), and the final state once it closed
 * (buttons gone). The facts come from the approval view the email and the approval page share;
 * button values carry the gate id and nothing else.
 */
import { type ApprovalView, buildApprovalView } from '../core/approval/approval-view.ts';
import { askedPeople, sameEmail } from '../core/approval/gate.ts';
import type { Approver, Gate } from '../core/ports.ts';
import { SLACK_ACTION } from '../core/slack/slack-actions.ts';
import { escapeMrkdwn, slackDate, truncate } from './slack-facts.ts';

/** A Block Kit block (the subset signoff uses, loosely typed). */
export interface SlackBlock {
  type: string;
  [key: string]: unknown;
}

/** A message as chat.postMessage / chat.update take it. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** What the message needs besides the gate. */
export interface SlackMessageContext {
  /** The base URL of signoff's web pages, without a trailing slash. */
  publicUrl: string;
  /** Milliseconds since the epoch (for "expires in ..."). */
  now: number;
}

const TITLE: Record<Gate['status'], { emoji: string; text: string }> = {
  pending: { emoji: '🔐', text: 'Approval required' },
  approved: { emoji: '✅', text: 'Approved' },
  rejected: { emoji: '❌', text: 'Rejected' },
  timed_out: { emoji: '⌛', text: 'Expired' },
  cancelled: { emoji: '🚫', text: 'Cancelled' },
};

/** The whole message for the gate as it stands. */
export function gateMessage(gate: Gate, context: SlackMessageContext): SlackMessage {
  const title = TITLE[gate.status];
  // The run page, not the approval page: the email's capability is per approver; this link asks for sign-in.
  const view = buildApprovalView(gate, context.now, context.publicUrl);
  const project = gate.data.plan?.project;
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${title.emoji} ${title.text}: ${gate.workflow}`, 150) },
    },
    { type: 'section', fields: factFields(gate, view) },
    statusBlock(gate),
    ...escalationBlocks(gate),
    contextBlock(view),
  ];
  if (gate.status === 'pending') blocks.push(actionsBlock(gate, view));
  const text = `${title.text}: ${gate.workflow}${project ? ` (${project})` : ''}`;
  return { text, blocks };
}

function field(label: string, value: string): SlackBlock {
  return { type: 'mrkdwn', text: `*${label}:*\n${truncate(value, 1900)}` };
}

function factFields(gate: Gate, view: ApprovalView): SlackBlock[] {
  const include = new Set(gate.config.include);
  const fields = [field('Requested by', escapeMrkdwn(view.requestedBy))];
  if (gate.data.plan) fields.push(field('Project', escapeMrkdwn(view.project)));
  if (view.source) {
    const text = escapeMrkdwn(view.source.text);
    // Slack link syntax with the URL escaped too: <url|label> (the URL is ours, built from a SHA).
    fields.push(field('Commit', view.source.url ? `<${escapeMrkdwn(view.source.url)}|${text}>` : text));
  }
  if (include.has('plan')) fields.push(field('Changes', escapeMrkdwn(view.changes)));
  if (include.has('cost')) fields.push(field('Cost impact', escapeMrkdwn(view.cost)));
  if (include.has('policy')) fields.push(field('Policies', escapeMrkdwn(view.policies)));
  if (gate.status === 'pending') {
    fields.push(field('Expires', `${view.expiresIn} (${slackDate(gate.deadline, view.expiresAt)})`));
  }
  if (gate.run.reason) fields.push(field('Reason', escapeMrkdwn(truncate(gate.run.reason, 300))));
  return fields;
}

function mention(person: Pick<Approver, 'name' | 'slack'>): string {
  return person.slack ? `<@${person.slack}>` : escapeMrkdwn(person.name);
}

function approvalsSoFar(gate: Gate): string {
  const count = `${gate.approved_by.length} of ${gate.required}`;
  if (gate.approved_by.length === 0) return count;
  const names = gate.approved_by.map((a) => `${escapeMrkdwn(a.name)} (${a.channel})`).join(', ');
  return `${count}: ${names}`;
}

/** The line that says where the gate stands: approvals so far, or how it ended. */
function statusBlock(gate: Gate): SlackBlock {
  const at = slackDate(gate.closed_at ?? gate.deadline);
  let text: string;
  switch (gate.status) {
    case 'pending': {
      const waiting = askedPeople(gate)
        .filter((p) => !gate.approved_by.some((a) => sameEmail(a.email, p.email)))
        .map(mention);
      text = `*Approvals:* ${approvalsSoFar(gate)}${waiting.length > 0 ? `\nWaiting for: ${waiting.join(', ')}` : ''}`;
      break;
    }
    case 'approved':
      text = `✅ *Approved* at ${at} — ${approvalsSoFar(gate)}`;
      break;
    case 'rejected': {
      const by = gate.closed_by ? ` by ${escapeMrkdwn(gate.closed_by.name)}` : '';
      const comment = gate.close_comment ? `: “${escapeMrkdwn(truncate(gate.close_comment, 500))}”` : '';
      text = `❌ *Rejected*${by} at ${at}${comment}\nApprovals before the rejection: ${approvalsSoFar(gate)}`;
      break;
    }
    case 'timed_out': {
      const ending = gate.config.on_timeout === 'reject' ? 'rejected' : 'cancelled';
      text = `⌛ *Expired* at ${at} with ${approvalsSoFar(gate)} approvals; the run was ${ending}.`;
      break;
    }
    case 'cancelled':
      text = `🚫 *Cancelled* at ${at} — ${approvalsSoFar(gate)} approvals.`;
      break;
  }
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function escalationBlocks(gate: Gate): SlackBlock[] {
  const levels = Object.values(gate.escalations);
  if (levels.length === 0 || gate.status !== 'pending') return [];
  const lines = levels.map(
    (level) => `⏫ Escalated at ${slackDate(level.at)} to ${level.people.map(mention).join(', ')}`,
  );
  return [{ type: 'context', elements: [{ type: 'mrkdwn', text: lines.join('\n') }] }];
}

function contextBlock(view: ApprovalView): SlackBlock {
  const parts = [
    `Run <${view.runUrl}|${escapeMrkdwn(view.runId)}>`,
    `gate *${escapeMrkdwn(view.gateName)}*`,
    `environment ${escapeMrkdwn(view.environment)}`,
  ];
  return { type: 'context', elements: [{ type: 'mrkdwn', text: parts.join(' · ') }] };
}

function actionsBlock(gate: Gate, view: ApprovalView): SlackBlock {
  return {
    type: 'actions',
    block_id: 'signoff_vote',
    elements: [
      {
        type: 'button',
        action_id: SLACK_ACTION.approve,
        text: { type: 'plain_text', text: '✓ Approve', emoji: true },
        style: 'primary',
        value: gate.gate_id,
      },
      {
        type: 'button',
        action_id: SLACK_ACTION.reject,
        text: { type: 'plain_text', text: '✗ Reject', emoji: true },
        style: 'danger',
        value: gate.gate_id,
        confirm: {
          title: { type: 'plain_text', text: 'Reject this deployment?' },
          text: {
            type: 'mrkdwn',
            text: truncate(
              `One rejection closes the gate and stops the run of *${escapeMrkdwn(gate.workflow)}*. This cannot be undone.`,
              300,
            ),
          },
          confirm: { type: 'plain_text', text: 'Reject' },
          deny: { type: 'plain_text', text: 'Keep it open' },
          style: 'danger',
        },
      },
      {
        type: 'button',
        action_id: SLACK_ACTION.view,
        text: { type: 'plain_text', text: 'View plan →', emoji: true },
        url: view.runUrl,
      },
    ],
  };
}
