/** What sign-in, sessions and API tokens need, passed in as one object. */
import type { Directory } from '../../../statemachines/schema.ts';
import type { Clock, Secrets } from '../ports.ts';
import type { AuthStore } from './auth-store.ts';
import type { IdentityStore } from './identity-store.ts';

/** Dependencies of the auth use cases (AppDeps satisfies it). */
export interface AuthDeps {
  auth: AuthStore;
  secrets: Secrets;
  directory: Directory;
  /** People's last sign-ins through the identity provider (when the directory maps IdP groups). */
  identities?: Pick<IdentityStore, 'get' | 'list'>;
  now: Clock;
}
