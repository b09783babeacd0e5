/**
 * The SDK's default credential chain as a deployed function meets it. Lambda puts the execution
 * role's credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN: "Defined runtime environment variables", AWS Lambda Developer Guide), and the
 * environment is the first link of the SDK's chain, the one that answers in Lambda.
 *
 * The function bundles resolve `@aws-sdk/credential-provider-node` to this module
 * (`LAMBDA_BUNDLE_ALIASES` in infra/constructs/bundling.ts), so they leave out the chain's other
 * links: SSO, shared config files, credential processes, web identity and the instance metadata
 * service, about 100 KB with the STS and SSO clients they build, none of which a Lambda uses. The
 * local runtime and the tests run unbundled, with the whole chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider, Logger } from '@smithy/types';

/** What the SDK clients pass to the chain (a subset of the full chain's options). */
export interface LambdaProviderInit {
  logger?: Logger;
}

/** Credentials from the environment, as the chain's first link reads them. */
export const defaultProvider = (init: LambdaProviderInit = {}): AwsCredentialIdentityProvider => {
  const fromLambdaEnvironment = fromEnv(init);
  return async () => {
    try {
      return await fromLambdaEnvironment();
    } catch (error) {
      throw new Error(
        'No AWS credentials in the environment: signoff function bundles read only AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which Lambda sets from the execution role',
        { cause: error },
      );
    }
  };
};
