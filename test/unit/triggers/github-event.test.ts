import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeGithubBody, parseGithubEvent } from '../../../functions/core/triggers/github-event.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/github/${name}`, import.meta.url), 'utf8'));

describe('parseGithubEvent', () => {
  it('reads a merged pull request: repository, base branch, number, title, author, merge commit, link', () => {
    expect(parseGithubEvent('pull_request', fixture('pull_request.closed-merged.json'))).toEqual({
      kind: 'merged',
      repository: 'Codertocat/Hello-World',
      branch: 'master',
      pr: {
        number: 2,
        title: 'Update the README with new information.',
        author: 'Codertocat',
        merge_commit: 'c4295bd74fb0f4fda03689c3df3f2803b658fd85',
        url: 'https://github.com/Codertocat/Hello-World/pull/2',
      },
    });
  });

  it('ignores a pull request closed without merging, and other actions', () => {
    expect(parseGithubEvent('pull_request', fixture('pull_request.closed.json'))).toEqual({
      kind: 'ignored',
      reason: 'pull request #2 was closed without merging',
    });
    const labeled = { ...fixture('pull_request.opened.json'), action: 'labeled' };
    expect(parseGithubEvent('pull_request', labeled)).toEqual({
      kind: 'ignored',
      reason: 'pull request #2 was labeled, not merged',
    });
  });

  it('reads an opened pull request, and a push to it, with the head commit to plan', () => {
    const opened = {
      kind: 'pull_request',
      repository: 'Codertocat/Hello-World',
      branch: 'master',
      pr: {
        number: 2,
        title: 'Update the README with new information.',
        author: 'Codertocat',
        merge_commit: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        url: 'https://github.com/Codertocat/Hello-World/pull/2',
      },
    };
    expect(parseGithubEvent('pull_request', fixture('pull_request.opened.json'))).toEqual(opened);
    const pushed = { ...fixture('pull_request.opened.json'), action: 'synchronize' };
    expect(parseGithubEvent('pull_request', pushed)).toEqual(opened);
  });

  it('answers pings with the zen line', () => {
    const ping = fixture('ping.json');
    expect(parseGithubEvent('ping', ping)).toEqual({ kind: 'ping', zen: ping.zen, hook_id: ping.hook_id });
    expect(parseGithubEvent('ping', 'not an object')).toEqual({ kind: 'ping' });
  });

  it('ignores events other than pull_request', () => {
    expect(parseGithubEvent('push', { ref: 'refs/heads/main' })).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('"push" events do not start runs'),
    });
  });

  it('lists every problem of a malformed pull_request payload', () => {
    const payload = fixture('pull_request.closed-merged.json');
    delete payload.repository;
    payload.pull_request.number = 'two';
    payload.pull_request.base = {};
    const result = parseGithubEvent('pull_request', payload);
    expect(result.kind).toBe('invalid');
    const problems = (result as { problems: string[] }).problems.join('\n');
    expect(problems).toContain('repository');
    expect(problems).toContain('pull_request.number');
    expect(problems).toContain('pull_request.base.ref');
  });

  it('refuses a merged pull request without a merge commit', () => {
    const payload = fixture('pull_request.closed-merged.json');
    payload.pull_request.merge_commit_sha = null;
    expect(parseGithubEvent('pull_request', payload)).toEqual({
      kind: 'invalid',
      problems: ['pull_request.merge_commit_sha: a merged pull request needs one'],
    });
  });

  it('understands every pull_request example GitHub payloads come in', () => {
    const require = createRequire(import.meta.url);
    const all = require('@octokit/webhooks-examples') as { name: string; examples: unknown[] }[];
    const examples = all.find((e) => e.name === 'pull_request')?.examples ?? [];
    expect(examples.length).toBeGreaterThan(20);
    for (const example of examples) {
      const action = (example as { action: string }).action;
      const expected = ['opened', 'synchronize', 'reopened'].includes(action) ? 'pull_request' : 'ignored';
      expect(parseGithubEvent('pull_request', example).kind, action).toBe(expected);
    }
  });

  it('never throws, whatever the payload', () => {
    fc.assert(
      fc.property(fc.constantFrom('pull_request', 'ping', 'push'), fc.anything(), (name, payload) => {
        const result = parseGithubEvent(name, payload);
        expect(['ping', 'merged', 'pull_request', 'ignored', 'invalid']).toContain(result.kind);
      }),
    );
  });

  it('never throws on a real payload with one field replaced by anything', () => {
    const base = fixture('pull_request.closed-merged.json');
    const paths = [
      ['action'],
      ['pull_request'],
      ['pull_request', 'number'],
      ['pull_request', 'title'],
      ['pull_request', 'html_url'],
      ['pull_request', 'merged'],
      ['pull_request', 'merge_commit_sha'],
      ['pull_request', 'user'],
      ['pull_request', 'base'],
      ['pull_request', 'base', 'ref'],
      ['repository'],
      ['repository', 'full_name'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
        const payload = structuredClone(base);
        let target = payload;
        for (const key of path.slice(0, -1)) target = target[key];
        target[path.at(-1) as string] = value;
        const result = parseGithubEvent('pull_request', payload);
        if (result.kind === 'merged') {
          expect(typeof result.pr.title).toBe('string');
          expect(Number.isInteger(result.pr.number)).toBe(true);
        }
      }),
    );
  });
});

describe('decodeGithubBody', () => {
  it('parses a JSON body', () => {
    expect(decodeGithubBody(Buffer.from('{"zen":"x"}'))).toEqual({
      ok: true,
      value: { zen: 'x' },
    });
  });

  it('says so when the body is not JSON', () => {
    expect(decodeGithubBody(Buffer.from('{"zen":'))).toEqual({
      ok: false,
      message: 'the body is not valid JSON',
    });
  });
});
