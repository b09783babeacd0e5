/** The CDK app's entry (`cdk.json`): builds SignoffStack with the cdk-nag checks; the CLI synthesizes it. */
import { buildApp } from './build-app.ts';

try {
  buildApp();
} catch (error) {
  // Settings and workflow problems are the user's to fix: show the message, not a stack trace.
  console.error((error as Error).message);
  process.exit(1);
}
