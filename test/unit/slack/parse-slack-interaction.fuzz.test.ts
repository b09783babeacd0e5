import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSlackInteraction } from '../../../functions/core/slack/parse-slack-interaction.ts';

const GATE = 'g_0123456789abcdef01234567';

/** Payloads near the real shape, with any field possibly missing, mistyped or odd. */
const nearPayload = fc.record(
  {
    type: fc.oneof(
      fc.constantFrom('block_actions', 'view_submission', 'shortcut'),
      fc.string(),
      fc.integer(),
    ),
    user: fc.oneof(
      fc.record({ id: fc.oneof(fc.string(), fc.integer()) }, { requiredKeys: [] }),
      fc.jsonValue(),
    ),
    channel: fc.oneof(fc.record({ id: fc.string() }), fc.constant(null), fc.jsonValue()),
    container: fc.oneof(fc.record({ message_ts: fc.oneof(fc.string(), fc.double()) }), fc.jsonValue()),
    actions: fc.oneof(
      fc.array(
        fc.record(
          {
            action_id: fc.oneof(
              fc.constantFrom('signoff_approve', 'signoff_reject', 'signoff_view'),
              fc.string(),
            ),
            value: fc.oneof(fc.constant(GATE), fc.string(), fc.integer()),
            action_ts: fc.oneof(fc.string(), fc.integer()),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 30 },
      ),
      fc.jsonValue(),
    ),
  },
  { requiredKeys: [] },
);

function expectOutcome(body: string) {
  const result = parseSlackInteraction(body);
  if (result.kind === 'invalid') {
    expect(result.status).toBe(400);
    expect(result.message.length).toBeGreaterThan(0);
  } else if (result.kind === 'vote') {
    expect(result.gateId).toBe(GATE);
    expect(['approve', 'reject']).toContain(result.decision);
    expect(typeof result.userId).toBe('string');
  } else {
    expect(result.kind).toBe('ignored');
  }
}

describe('parseSlackInteraction', () => {
  it('never throws on arbitrary bodies and answers 400 for the bad ones', () => {
    fc.assert(fc.property(fc.string({ maxLength: 500 }), expectOutcome), { numRuns: 500 });
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => expectOutcome(`payload=${encodeURIComponent(s)}`)),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary JSON payloads', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) =>
        expectOutcome(new URLSearchParams({ payload: JSON.stringify(value) }).toString()),
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on payloads shaped almost like a click', () => {
    fc.assert(
      fc.property(nearPayload, (value) =>
        expectOutcome(new URLSearchParams({ payload: JSON.stringify(value) }).toString()),
      ),
      { numRuns: 1000 },
    );
  });
});
