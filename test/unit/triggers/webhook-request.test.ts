import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseIdempotencyKey,
  parseWebhookBody,
  webhookSecretName,
} from '../../../functions/core/triggers/webhook-request.ts';
import { workflowSchema } from '../../../statemachines/schema.ts';

describe('webhookSecretName', () => {
  it('is the trigger secret when set, else webhook-<workflow>', () => {
    const base = {
      environment: 'staging',
      steps: [{ id: 'plan', type: 'iac', project: 'site', action: 'plan' }],
    };
    const named = workflowSchema.parse({
      ...base,
      name: 'a',
      triggers: { webhook: { secret: 'deploy-hook' } },
    });
    const plain = workflowSchema.parse({ ...base, name: 'b', triggers: { webhook: null } });
    expect(webhookSecretName(named)).toBe('deploy-hook');
    expect(webhookSecretName(plain)).toBe('webhook-b');
  });
});

describe('parseIdempotencyKey', () => {
  it('accepts no key, or 1 to 200 printable characters', () => {
    expect(parseIdempotencyKey(undefined)).toEqual({ ok: true });
    expect(parseIdempotencyKey(' build-42 ')).toEqual({ ok: true, key: 'build-42' });
    expect(parseIdempotencyKey('x'.repeat(200))).toEqual({ ok: true, key: 'x'.repeat(200) });
  });

  it('refuses empty, too long and non-printable keys', () => {
    for (const value of ['', '   ', 'x'.repeat(201), 'a\u0000b', 'caf\u00e9', 'tab\there']) {
      expect(parseIdempotencyKey(value)).toEqual({
        ok: false,
        message: 'Idempotency-Key must be 1 to 200 printable ASCII characters',
      });
    }
  });
});

describe('parseWebhookBody', () => {
  it('takes a JSON object as the run input and its reason string', () => {
    expect(parseWebhookBody(Buffer.from('{"version":"1.2.3","reason":"release"}'))).toEqual({
      ok: true,
      input: { version: '1.2.3', reason: 'release' },
      reason: 'release',
      source: {},
    });
    expect(parseWebhookBody(Buffer.from('{}'))).toEqual({ ok: true, input: {}, source: {} });
  });

  it('takes the commit (sha) or the branch or tag (ref) to build, and refuses malformed ones', () => {
    const sha = 'a'.repeat(40);
    expect(parseWebhookBody(Buffer.from(`{"sha":"${sha}","ref":"main"}`))).toMatchObject({
      ok: true,
      source: { commit: sha, ref: 'main' },
    });
    expect(parseWebhookBody(Buffer.from('{"sha":"abc"}'))).toEqual({
      ok: false,
      message: 'sha must be a full 40-character lowercase hex commit SHA',
    });
    expect(parseWebhookBody(Buffer.from('{"ref":7}'))).toEqual({
      ok: false,
      message: 'ref must be a string',
    });
    expect(parseWebhookBody(Buffer.from('{"ref":"--upload-pack=x"}'))).toMatchObject({ ok: false });
  });

  it('refuses malformed JSON, non-objects and a reason that is not a string', () => {
    expect(parseWebhookBody(Buffer.from('{"a":'))).toEqual({
      ok: false,
      message: 'the body is not valid JSON',
    });
    expect(parseWebhookBody(Buffer.from(''))).toEqual({ ok: false, message: 'the body is not valid JSON' });
    for (const body of ['[1]', '"text"', '42', 'null']) {
      expect(parseWebhookBody(Buffer.from(body))).toEqual({
        ok: false,
        message: 'the body must be a JSON object',
      });
    }
    expect(parseWebhookBody(Buffer.from('{"reason":5}'))).toEqual({
      ok: false,
      message: 'reason must be a string',
    });
    expect(parseWebhookBody(Buffer.from(JSON.stringify({ reason: 'r'.repeat(1001) })))).toMatchObject({
      ok: false,
    });
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.json().map((t) => Buffer.from(t)),
        ),
        (bytes) => {
          const result = parseWebhookBody(Buffer.from(bytes));
          if (result.ok) expect(typeof result.input).toBe('object');
          else expect(result.message).toMatch(/^(the body|reason)/);
        },
      ),
    );
  });
});
