/**
 * Notifier on Slack: posts the approval request to the gate's channel and as a direct message to
 * each approver with a Slack id, remembers every message, and updates them all in place as votes
 * arrive and when the gate closes, expires or escalates. Failures are logged (without the token or
 * the request) and never thrown.
 */
import type { Approver, Clock, Gate, LogPort, Notifier } from '../core/ports.ts';
import { gateMessage } from './slack-blocks.ts';
import { describeSlackError, type SlackClientProvider } from './slack-client.ts';
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

type WebClient = NonNullable<Awaited<ReturnType<SlackClientProvider>>>;

/** Where a message goes: a channel (name or id) or a person's direct message. */
type Target = { kind: 'channel'; channel: string } | { kind: 'dm'; user: string };

const quiet: LogPort = { info() {}, warn() {}, error() {} };

/** Slack as a Notifier, plus `refresh` for the interaction handler. */
export class SlackNotifier implements Notifier {
  private readonly log: LogPort;
  private readonly now: Clock;

  constructor(private readonly options: SlackNotifierOptions) {
    this.log = options.log ?? quiet;
    this.now = options.now ?? Date.now;
  }

  async requested(gate: Gate): Promise<void> {
    const targets: Target[] = [];
    const channel = gate.config.notify.slack ?? this.options.defaultChannel;
    if (channel) targets.push({ kind: 'channel', channel });
    targets.push(...directMessages(gate.approvers));
    await this.post(gate, targets);
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

  async escalated(gate: Gate, people: Approver[]): Promise<void> {
    await this.refresh(gate);
    await this.post(gate, directMessages(people));
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

  private async post(gate: Gate, targets: Target[]): Promise<void> {
    if (targets.length === 0) return;
    await this.guard('post', gate, async (client) => {
      const message = gateMessage(gate, { publicUrl: this.options.publicUrl, now: this.now() });
      await Promise.all(
        targets.map((target) =>
          this.attempt(`post to ${target.kind}`, gate, async () => {
            const channel = await channelOf(client, target);
            const posted = await client.chat.postMessage({ channel, ...message, unfurl_links: false });
            if (!posted.channel || !posted.ts) throw new Error('chat.postMessage returned no channel or ts');
            const ref: SlackMessageRef = { channel: posted.channel, ts: posted.ts };
            await this.options.messages.add(gate.gate_id, ref);
          }),
        ),
      );
    });
  }

  /** Runs a Slack step with the client, when a bot token is configured; never throws. */
  private async guard(what: string, gate: Gate, step: (client: WebClient) => Promise<void>): Promise<void> {
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
  return people.flatMap((p) => (p.slack ? [{ kind: 'dm' as const, user: p.slack }] : []));
}

async function channelOf(client: WebClient, target: Target): Promise<string> {
  if (target.kind === 'channel') return target.channel;
  const opened = await client.conversations.open({ users: target.user });
  const id = opened.channel?.id;
  if (!id) throw new Error('conversations.open returned no channel');
  return id;
}
