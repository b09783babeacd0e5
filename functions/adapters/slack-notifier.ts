/**
 * Notifier on Slack: posts the approval request to the gate's channel and as a direct message to
 * each approver with a Slack id, remembers every message, and updates them all in place as votes
 * arrive and when the gate closes, expires or escalates. Nothing is thrown: a post that fails
 * comes back as a DeliveryFailure with Slack's error code (`channel_not_found`), and a failed
 * update of a message already posted is logged (without the token or the request).
 */
import type { Approver, Clock, DeliveryFailure, Gate, LogPort, Notifier } from '../core/ports.ts';
import { describeDeliveryError } from './delivery-error.ts';
import { gateMessage } from './slack-blocks.ts';
import { describeSlackError, type SlackClientProvider, type SlackWebClient } from './slack-client.ts';
import type { SlackMessageRef, SlackMessageStore } from './slack-message-store.ts';

/** What the notifier needs. */
export interface SlackNotifierOptions {
  client: SlackClientProvider;
  messages: SlackMessageStore;
  /** The base URL of signoff's web pages, without a trailing slash. */
  publicUrl: string;
  /** The channel for gates that name none (SIGNOFF_SLACK_DEFAULT_CHANNEL). */
  defaultChannel?: string;
  log?: LogPort;
  now?: Clock;
}

/** Where a message goes: a channel (name or id) or a person's direct message. */
type Target = { kind: 'channel'; channel: string } | { kind: 'dm'; user: string; email: string };

const quiet: LogPort = { info() {}, warn() {}, error() {} };

/** Slack as a Notifier, plus `refresh` for the interaction handler. */
export class SlackNotifier implements Notifier {
  private readonly log: LogPort;
  private readonly now: Clock;

  constructor(private readonly options: SlackNotifierOptions) {
    this.log = options.log ?? quiet;
    this.now = options.now ?? Date.now;
  }

  async requested(gate: Gate): Promise<DeliveryFailure[]> {
    const targets: Target[] = [];
    const channel = gate.config.notify.slack ?? this.options.defaultChannel;
    if (channel) targets.push({ kind: 'channel', channel });
    targets.push(...directMessages(gate.approvers));
    return this.post(gate, targets);
  }

  async progressed(gate: Gate): Promise<void> {
    await this.refresh(gate);
  }

  async decided(gate: Gate): Promise<void> {
    await this.refresh(gate);
  }

  async expired(gate: Gate): Promise<void> {
    await this.refresh(gate);
  }

  async escalated(gate: Gate, people: Approver[]): Promise<DeliveryFailure[]> {
    await this.refresh(gate);
    return this.post(gate, directMessages(people));
  }

  /** Updates every message posted about the gate to show the gate as it stands. */
  async refresh(gate: Gate): Promise<void> {
    await this.guard('update', gate, async (client) => {
      const refs = await this.options.messages.list(gate.gate_id);
      if (refs.length === 0) return;
      const message = gateMessage(gate, { publicUrl: this.options.publicUrl, now: this.now() });
      await Promise.all(
        refs.map((ref) =>
          this.attempt('update', gate, async () => {
            await client.chat.update({ ...ref, ...message });
          }),
        ),
      );
    });
  }

  /** Posts to every target; returns the targets the message did not reach. */
  private async post(gate: Gate, targets: Target[]): Promise<DeliveryFailure[]> {
    if (targets.length === 0) return [];
    const failed = (target: Target, error: unknown): DeliveryFailure => {
      this.log.error(`slack post to ${target.kind} failed`, {
        gate_id: gate.gate_id,
        ...describeSlackError(error),
      });
      return {
        channel: 'slack',
        to: recipientOf(target),
        reason: describeDeliveryError(error),
        at: new Date(this.now()).toISOString(),
      };
    };
    let client: SlackWebClient | undefined;
    try {
      client = await this.options.client();
    } catch (error) {
      // No client (the bot token could not be read): nothing reached anyone.
      return targets.map((target) => failed(target, error));
    }
    if (!client) {
      this.log.info('slack is not configured (no bot token); message skipped', { gate_id: gate.gate_id });
      return [];
    }
    const message = gateMessage(gate, { publicUrl: this.options.publicUrl, now: this.now() });
    const outcomes = await Promise.all(
      targets.map(async (target): Promise<DeliveryFailure | undefined> => {
        let ref: SlackMessageRef;
        try {
          const channel = await channelOf(client, target);
          const posted = await client.chat.postMessage({ channel, ...message, unfurl_links: false });
          if (!posted.channel || !posted.ts) throw new Error('chat.postMessage returned no channel or ts');
          ref = { channel: posted.channel, ts: posted.ts };
        } catch (error) {
          return failed(target, error);
        }
        // Delivered; only the later in-place updates depend on remembering it.
        await this.attempt('remember message', gate, () => this.options.messages.add(gate.gate_id, ref));
        return undefined;
      }),
    );
    return outcomes.filter((f): f is DeliveryFailure => f !== undefined);
  }

  /** Runs a Slack step with the client, when a bot token is configured; never throws. */
  private async guard(
    what: string,
    gate: Gate,
    step: (client: SlackWebClient) => Promise<void>,
  ): Promise<void> {
    await this.attempt(what, gate, async () => {
      const client = await this.options.client();
      if (!client) {
        this.log.info('slack is not configured (no bot token); message skipped', { gate_id: gate.gate_id });
        return;
      }
      await step(client);
    });
  }

  /** Runs one step; logs and swallows its failure, so one bad recipient never stops the others. */
  private async attempt(what: string, gate: Gate, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.log.error(`slack ${what} failed`, { gate_id: gate.gate_id, ...describeSlackError(error) });
    }
  }
}

function directMessages(people: Approver[]): Target[] {
  return people.flatMap((p) => (p.slack ? [{ kind: 'dm' as const, user: p.slack, email: p.email }] : []));
}

/** Who a failure names: `#deploys` (or a channel id as configured), or the person's email for a DM. */
function recipientOf(target: Target): string {
  if (target.kind === 'dm') return target.email;
  const channel = target.channel;
  return channel.startsWith('#') || /^[CGD][A-Z0-9]{6,}$/.test(channel) ? channel : `#${channel}`;
}

async function channelOf(client: SlackWebClient, target: Target): Promise<string> {
  if (target.kind === 'channel') return target.channel;
  const opened = await client.conversations.open({ users: target.user });
  const id = opened.channel?.id;
  if (!id) throw new Error('conversations.open returned no channel');
  return id;
}
