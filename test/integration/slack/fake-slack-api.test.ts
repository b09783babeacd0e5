import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeSlackApi } from '../../../local/slack/fake-slack-api.ts';

const dir = mkdtempSync(join(tmpdir(), 'signoff-fake-slack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startFakeSlackApi', () => {
  it('keeps messages in its data file across a restart, so they can still be updated', async () => {
    const dataFile = join(dir, 'slack.json');
    const first = await startFakeSlackApi({ botToken: 'xoxb-a', dataFile });
    const client = (url: string) =>
      new WebClient('xoxb-a', { slackApiUrl: url, retryConfig: { retries: 0 } });
    const posted = await client(first.apiUrl).chat.postMessage({ channel: 'deploys', text: 'hello' });
    await first.close();

    const second = await startFakeSlackApi({ botToken: 'xoxb-a', dataFile });
    try {
      expect(second.messages).toMatchObject([{ channel: posted.channel, ts: posted.ts, text: 'hello' }]);
      expect(second.channelNames.get(posted.channel ?? '')).toBe('deploys');
      await client(second.apiUrl).chat.update({
        channel: posted.channel ?? '',
        ts: posted.ts ?? '',
        text: 'edited',
      });
      expect(second.messages[0]).toMatchObject({ text: 'edited', updates: 1 });
    } finally {
      await second.close();
    }
  });

  it('answers invalid_auth to another token and records no call', async () => {
    const fake = await startFakeSlackApi({ botToken: 'xoxb-right' });
    try {
      const client = new WebClient('xoxb-wrong', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
      await expect(client.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
      expect(fake.calls).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
