/** Auth deps on memory adapters with a fixed clock and a known signing key. */
import { MemoryAuthStore } from '../../../functions/adapters/memory-auth-store.ts';
import type { AuthDeps } from '../../../functions/core/auth/auth-deps.ts';
import type { Secrets } from '../../../functions/core/ports.ts';
import { createClock, DIRECTORY, type TestClock } from '../../support/approval-fixtures.ts';

/** A 32-byte test key. */
export const TEST_KEY = 'k'.repeat(48);

/** Secrets from a plain object. */
export function staticSecrets(values: Record<string, string>): Secrets {
  return { get: async (name) => values[name] };
}

/** Auth deps with a memory store, the test directory and a clock at T0. */
export function createAuthDeps(): AuthDeps & { auth: MemoryAuthStore; clock: TestClock } {
  const clock = createClock();
  return {
    auth: new MemoryAuthStore(),
    secrets: staticSecrets({ 'link-signing-key': TEST_KEY }),
    directory: DIRECTORY,
    now: clock.now,
    clock,
  };
}
