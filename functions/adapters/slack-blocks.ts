/**
 * The Block Kit message of a gate, for every state it can be in: the request with Approve /
 * Reject / View plan while pending (with approvals so far), and the final state once it closed
 * (buttons gone). The facts come from the approval view the email and the approval page share;
 * button values carry the gate id and nothing else.
 */
import { type ApprovalView, buildApprovalView } from '../core/approval/approval-view.ts';
import { askedPeople, freshSigninPath, sameEmail } from '../core/approval/gate.ts';
import type { GateCard } from '../core/approval/gate-card.ts';
import type { Approver, Gate } from '../core/ports.ts';
import { SLACK_ACTION } from '../core/slack/slack-actions.ts';
import { escapeMrkdwn, fitList, SLACK_TEXT_LIMIT, slackDate, truncate } from './slack-facts.ts';

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

/** Block Kit allows 50 blocks in a message (chat.postMessage, "blocks"). */
export const SLACK_MAX_BLOCKS = 50;
/** Lines of a list (resources, failed policies) shown before "…and N more"; the run page has them all. */
const MAX_LIST_LINES = 15;

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
    ...listBlocks(view.card),
    statusBlock(gate, view.card),
    ...(view.card.freeze
      ? [section(`🧊 *Change freeze:* ${escapeMrkdwn(truncate(view.card.freeze, 500))}`)]
      : []),
    ...ruleBlocks(view.card),
    ...escalationBlocks(view.card),
    ...followingBlocks(view.card),
    contextBlock(view),
  ];
  if (gate.status === 'pending') blocks.push(actionsBlock(gate, view));
  const text = `${title.text}: ${gate.workflow}${project ? ` (${project})` : ''}`;
  return { text, blocks: blocks.slice(0, SLACK_MAX_BLOCKS) };
}

function field(label: string, value: string): SlackBlock {
  return { type: 'mrkdwn', text: `*${label}:*\n${truncate(value, 1900)}` };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_TEXT_LIMIT) } };
}

/** A titled list that stays inside one text object, ending in "…and N more" when it does not fit. */
function listText(title: string, lines: string[], more = 0): string {
  const shown = lines.slice(0, MAX_LIST_LINES);
  const hidden = lines.length - shown.length + more;
  const items = hidden > 0 ? [...shown, `…and ${hidden} more`] : shown;
  const head = `*${title}*\n`;
  return head + fitList(items, '\n', SLACK_TEXT_LIMIT - head.length);
}

function factFields(gate: Gate, view: ApprovalView): SlackBlock[] {
  const { what, why } = view.card;
  const fields = [field('Requested by', escapeMrkdwn(view.requestedBy))];
  if (gate.data.plan) fields.push(field('Project', escapeMrkdwn(view.project)));
  if (why.pr) {
    const label = escapeMrkdwn(truncate(`#${why.pr.number} ${why.pr.title}`, 200));
    const by = ` by ${escapeMrkdwn(why.pr.author)}`;
    fields.push(
      field('Pull request', why.pr.url ? `<${escapeMrkdwn(why.pr.url)}|${label}>${by}` : `${label}${by}`),
    );
  }
  if (view.source) {
    const text = escapeMrkdwn(view.source.text);
    // Slack link syntax with the URL escaped too: <url|label> (the URL is ours, built from a SHA).
    fields.push(field('Commit', view.source.url ? `<${escapeMrkdwn(view.source.url)}|${text}>` : text));
  }
  if (what.changes) fields.push(field('Changes', escapeMrkdwn(what.changes.text)));
  if (what.cost) {
    const cost = what.cost.estimated
      ? `${what.cost.delta} (${what.cost.now} now → ${what.cost.after} after)`
      : what.cost.text;
    fields.push(field('Cost impact', escapeMrkdwn(cost)));
  }
  if (what.policies) fields.push(field('Policies', escapeMrkdwn(what.policies.text)));
  if (gate.status === 'pending') {
    fields.push(field('Expires', `${view.expiresIn} (${slackDate(gate.deadline, view.expiresAt)})`));
  }
  if (why.reason) fields.push(field('Reason', escapeMrkdwn(truncate(why.reason, 300))));
  return fields;
}

const ACTION_SIGN: Record<string, string> = {
  create: '+',
  update: '~',
  delete: '−',
  replace: '±',
  read: '·',
};

/** The resources the plan changes and the failed policies, each in one block that fits. */
function listBlocks(card: GateCard): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  const { what } = card;
  if (what.changes && what.resources.length > 0) {
    const lines = what.resources.map(
      (r) => `\`${ACTION_SIGN[r.action] ?? ''} ${escapeMrkdwn(truncate(r.address, 200))}\``,
    );
    blocks.push(section(listText('Resources', lines, what.moreResources)));
  }
  const policies = what.policies;
  if (policies && policies.failures.length > 0) {
    const lines = policies.failures.map(
      (f) =>
        `✗ *${escapeMrkdwn(truncate(f.name, 150))}* (${f.severity})${f.message ? `: ${escapeMrkdwn(truncate(f.message, 200))}` : ''}`,
    );
    blocks.push(section(listText('Failed policies', lines, policies.moreFailures)));
  }
  return blocks;
}

function mention(person: Pick<Approver, 'name' | 'slack'>): string {
  return person.slack ? `<@${person.slack}>` : escapeMrkdwn(person.name);
}

function approvalsSoFar(gate: Gate): string {
  const count = `${gate.approved_by.length} of ${gate.required}`;
  if (gate.approved_by.length === 0) return count;
  const names = gate.approved_by.map((a) => `${escapeMrkdwn(truncate(a.name, 100))} (${a.channel})`);
  return `${count}: ${fitList(names, ', ', 1000)}`;
}

/** The line that says where the gate stands: approvals so far and who may still approve, or how it ended. */
function statusBlock(gate: Gate, card: GateCard): SlackBlock {
  const at = slackDate(gate.closed_at ?? gate.deadline);
  let text: string;
  switch (gate.status) {
    case 'pending': {
      const asked = askedPeople(gate);
      const waiting = card.who.mayStillApprove.map((p) => {
        const person = asked.find((a) => sameEmail(a.email, p.email));
        return mention({ name: truncate(p.name, 100), ...(person?.slack ? { slack: person.slack } : {}) });
      });
      const head = `*Approvals:* ${approvalsSoFar(gate)}`;
      const self = card.who.selfApproval ? `\n_${escapeMrkdwn(card.who.selfApproval)}_` : '';
      const room = SLACK_TEXT_LIMIT - head.length - self.length - 30;
      text = `${head}${waiting.length > 0 ? `\nWaiting for: ${fitList(waiting, ', ', room)}` : '\nNobody else may approve: this gate cannot open.'}${self}`;
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
  return section(text);
}

/** The step's approvers and each approver rule: why it applies and how far it got. */
function ruleBlocks(card: GateCard): SlackBlock[] {
  const lines = card.who.rules.map(
    (r) => `${r.matched ? (r.met ? '✅' : '⏳') : '◦'} ${escapeMrkdwn(truncate(r.text, 500))}`,
  );
  if (lines.length === 0) return [];
  return [section(listText('Rules', lines))];
}

/** Escalations that fired (to whom, when) and, while pending, those still ahead. */
function escalationBlocks(card: GateCard): SlackBlock[] {
  const lines = card.who.escalations.map(
    (e) => `${e.fired ? '⏫' : '⏳'} ${escapeMrkdwn(truncate(e.text, 500))}`,
  );
  if (lines.length === 0) return [];
  return [{ type: 'context', elements: [{ type: 'mrkdwn', text: fitList(lines, '\n', SLACK_TEXT_LIMIT) }] }];
}

/** The gates that follow this one and why ("finance approval follows: cost +$750/month > $500"). */
function followingBlocks(card: GateCard): SlackBlock[] {
  const lines = card.who.following.map(
    (f) =>
      `${f.state === 'not_needed' ? '◦' : '➡️'} ${escapeMrkdwn(truncate(`${f.text} (${f.approvers})`, 500))}`,
  );
  if (lines.length === 0) return [];
  return [section(listText('What follows', lines))];
}

/**
 * A gate that counts only votes cast after a recent sign-in gets no Approve or Reject button: its
 * first button leads to that sign-in, then the run's page, where the vote is cast.
 */
function signinActionsBlock(gate: Gate, view: ApprovalView): SlackBlock {
  return {
    type: 'actions',
    block_id: 'signoff_vote',
    elements: [
      {
        type: 'button',
        action_id: SLACK_ACTION.view,
        text: { type: 'plain_text', text: 'Sign in to approve or reject →', emoji: true },
        style: 'primary',
        // signoff's base URL: the run's URL before its `/runs/<id>`.
        url: `${view.runUrl.slice(0, view.runUrl.lastIndexOf('/runs/'))}${freshSigninPath(gate)}`,
      },
    ],
  };
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
  if (gate.config.require_signin) return signinActionsBlock(gate, view);
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
