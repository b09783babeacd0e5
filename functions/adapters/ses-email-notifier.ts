/**
 * Approval emails through SES v2: on `requested`, one email per approver with their own signed
 * approval link; on `escalated`, the same to the people the escalation added. `decided` and
 * `expired` send nothing: the link's page shows the final state, and mail is kept for calls to act.
 * One recipient's failure never stops the others; each one comes back as a DeliveryFailure with
 * SES's own reason (in the SES sandbox: `MessageRejected: Email address is not verified. …`).
 */
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { EmailContent } from '../../web/approval-email.ts';
import { renderApprovalEmail } from '../../web/approval-email.ts';
import type { Config } from '../config.ts';
import { approvalUrl, buildApprovalView } from '../core/approval/approval-view.ts';
import { askedPeople } from '../core/approval/gate.ts';
import { signCapability } from '../core/auth/capability.ts';
import { getLinkSigningKey } from '../core/auth/signing-key.ts';
import type { Approver, Clock, DeliveryFailure, Gate, LogPort, Notifier, Secrets } from '../core/ports.ts';
import { describeDeliveryError } from './delivery-error.ts';

/** What the email notifier needs. */
export interface SesEmailNotifierOptions {
  ses: SESv2Client;
  /** Read at send time (the local runtime learns its public URL after start). */
  config: Pick<Config, 'publicUrl' | 'emailFrom'>;
  secrets: Secrets;
  now: Clock;
  log: LogPort;
}

/** Sends one email (HTML and text parts) through SES v2. */
export async function sendSesEmail(
  ses: SESv2Client,
  from: string,
  to: string,
  content: EmailContent,
): Promise<void> {
  await ses.send(
    new SendEmailCommand({
      FromEmailAddress: from,
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: {
          Subject: { Data: content.subject, Charset: 'UTF-8' },
          Body: {
            Html: { Data: content.html, Charset: 'UTF-8' },
            Text: { Data: content.text, Charset: 'UTF-8' },
          },
        },
      },
    }),
  );
}

/** Notifier that emails approvers their approval links. */
export class SesEmailNotifier implements Notifier {
  constructor(private readonly options: SesEmailNotifierOptions) {}

  async requested(gate: Gate): Promise<DeliveryFailure[]> {
    return this.sendAll(gate, askedPeople(gate));
  }

  async escalated(gate: Gate, people: Approver[]): Promise<DeliveryFailure[]> {
    return this.sendAll(gate, people);
  }

  async progressed(_gate: Gate): Promise<void> {}

  async decided(_gate: Gate): Promise<void> {}

  async expired(_gate: Gate): Promise<void> {}

  private async sendAll(gate: Gate, people: Approver[]): Promise<DeliveryFailure[]> {
    if (!gate.config.notify.email || gate.status !== 'pending') return [];
    const recipients = people.filter((p) => p.role !== 'viewer' && p.email.includes('@'));
    if (recipients.length === 0) return [];
    const { ses, config, secrets, now, log } = this.options;
    const { publicUrl, emailFrom: from } = config;
    const key = await getLinkSigningKey(secrets);
    const view = buildApprovalView(gate, now(), publicUrl);
    const expiresAt = new Date(gate.deadline);
    const results = await Promise.allSettled(
      recipients.map(async (person) => {
        const capability = await signCapability(
          key,
          { gateId: gate.gate_id, email: person.email, expiresAt },
          now(),
        );
        const link = approvalUrl(publicUrl, gate.gate_id, capability);
        await sendSesEmail(ses, from, person.email, renderApprovalEmail(view, link, person.name));
      }),
    );
    const failures: DeliveryFailure[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') return;
      const error: unknown = result.reason;
      const to = recipients[i]?.email ?? 'unknown';
      log.error('approval email failed', {
        gate_id: gate.gate_id,
        recipient: to,
        error: error instanceof Error ? error.name : typeof error,
      });
      failures.push({
        channel: 'email',
        to,
        reason: describeDeliveryError(error),
        at: new Date(now()).toISOString(),
      });
    });
    log.info('approval emails sent', {
      gate_id: gate.gate_id,
      sent: results.length - failures.length,
      failed: failures.length,
    });
    return failures;
  }
}
