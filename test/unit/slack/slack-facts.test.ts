import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, slackDate, truncate } from '../../../functions/adapters/slack-facts.ts';

describe('escapeMrkdwn', () => {
  it('escapes the characters that start mentions, links and entities', () => {
    expect(escapeMrkdwn('<!here> & <@U1>')).toBe('&lt;!here&gt; &amp; &lt;@U1&gt;');
  });
});

describe('truncate', () => {
  it('keeps short text and marks a cut', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});

describe('slackDate', () => {
  it('formats a time for each reader, with the UTC time as fallback', () => {
    expect(slackDate('2026-11-25T14:00:00.000Z')).toBe(
      '<!date^1795615200^{date_short_pretty} at {time}|2026-11-25 14:00 UTC>',
    );
  });
});
