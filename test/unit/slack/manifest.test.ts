import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { matchRoute } from '../../../functions/routes.ts';

const manifest = parse(readFileSync(new URL('../../../slack/manifest.yaml', import.meta.url), 'utf8'));

describe('slack/manifest.yaml', () => {
  it('asks for exactly the scopes signoff uses', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual([
      'chat:write',
      'chat:write.public',
      'im:write',
      'users:read',
      'users:read.email',
    ]);
  });

  it('sends interactions to the route that handles them', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    const url = new URL(manifest.settings.interactivity.request_url);
    expect(matchRoute('POST', url.pathname)?.route.fn).toBe('slack-interactions');
    expect(manifest.features.bot_user.display_name).toBe('signoff');
  });
});
