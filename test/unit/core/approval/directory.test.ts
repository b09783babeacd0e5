import { describe, expect, it } from 'vitest';
import { findUser, resolveApprovers } from '../../../../functions/core/approval/directory.ts';
import { DIRECTORY } from '../../../support/approval-fixtures.ts';

describe('resolveApprovers', () => {
  it('resolves users, teams and roles to people, each once, in ref order', () => {
    const { people, unresolved } = resolveApprovers(DIRECTORY, [
      'user:Bob@Acme.com',
      'team:platform-leads',
      'role:admin',
    ]);
    expect(people.map((p) => p.email)).toEqual([
      'bob@acme.com',
      'alice@acme.com',
      'carol@acme.com',
      'dave@acme.com',
      'erin@acme.com',
    ]);
    expect(people[1]).toEqual({
      email: 'alice@acme.com',
      name: 'Alice Lead',
      role: 'admin',
      slack: 'U0ALICE',
    });
    expect(unresolved).toEqual([]);
  });

  it('lists refs and team members that name nobody', () => {
    const directory = {
      ...DIRECTORY,
      teams: { ...DIRECTORY.teams, ghosts: ['gone@acme.com', 'bob@acme.com'] },
    };
    const { people, unresolved } = resolveApprovers(directory, [
      'user:nobody@acme.com',
      'team:missing',
      'team:ghosts',
      'role:auditor',
    ]);
    expect(people.map((p) => p.email)).toEqual(['bob@acme.com']);
    expect(unresolved).toEqual([
      'user:nobody@acme.com',
      'team:missing',
      'team:ghosts (gone@acme.com)',
      'role:auditor',
    ]);
  });
});

describe('findUser', () => {
  it('finds a user by email whatever the case', () => {
    expect(findUser(DIRECTORY, 'ERIN@acme.com')?.name).toBe('Erin Manager');
    expect(findUser(DIRECTORY, 'x@acme.com')).toBeUndefined();
  });
});
