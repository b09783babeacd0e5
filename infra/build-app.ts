/**
 * Builds the CDK app: compiles the workflows, validates the settings from context, adds
 * SignoffStack and the cdk-nag AwsSolutions checks. `infra/app.ts` runs it for the CLI; the
 * tests call it with their own context.
 */
import { fileURLToPath } from 'node:url';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseSettings, settingsFromContext } from './settings.ts';
import { SignoffStack } from './signoff-stack.ts';
import { compileWorkspace } from './workflows.ts';

/** Options for building the app outside the CLI. */
export interface BuildAppOptions extends AppProps {
  /** The repository root (default: the folder above infra/). */
  projectRoot?: string;
}

/** The app, its stack, and the cdk-nag pack registered on it. */
export interface SignoffApp {
  app: App;
  stack: SignoffStack;
  nag: AwsSolutionsChecks;
}

/** The repository this file belongs to. */
export const DEFAULT_PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Builds the app; throws with every workflow problem (file:line:column) or settings problem. */
export function buildApp(options: BuildAppOptions = {}): SignoffApp {
  const { projectRoot = DEFAULT_PROJECT_ROOT, ...appProps } = options;
  const app = new App(appProps);
  const snapshot = compileWorkspace(projectRoot);
  const settings = parseSettings(settingsFromContext(app.node.getAllContext()), {
    projects: snapshot.projects.map((p) => p.name),
    workflowRepos: snapshot.githubRepos,
  });
  // With a repository, every build checks out the run's commit (SourceVersion).
  const workspace = settings.source ? compileWorkspace(projectRoot, { source: 'repository' }) : snapshot;
  const stack = new SignoffStack(
    app,
    settings.name === 'signoff' ? 'SignoffStack' : `SignoffStack-${settings.name}`,
    {
      description: 'signoff: human approval gates for infrastructure deployments',
      projectRoot,
      settings,
      workspace,
    },
  );
  const nag = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(nag);
  return { app, stack, nag };
}
