import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ARTIFACT, artifactKey } from '../plan/artifact-keys.ts';
import type { ArtifactStore } from '../ports.ts';
import { BuildLog } from './build-log.ts';
import { readBuildSettings } from './build-settings.ts';
import type { ToolContext } from './iac-tool.ts';
import { loadPolicyFile, loadProject } from './load-config.ts';
import { runApply } from './run-apply.ts';
import { describeDriftCheck, runDriftCheck } from './run-drift-check.ts';
import { runPlan } from './run-plan.ts';

/** Exit codes of a build; drift has its own, so it is never mistaken for a broken build. */
export const BUILD_EXIT = { ok: 0, failed: 1, badSettings: 2, drift: 3 } as const;

/** What runBuild needs: where artifacts go, the repository root, the console and the clock. */
export interface BuildDeps {
  artifacts: ArtifactStore;
  /** The checkout that holds config/ and the projects' directories. */
  rootDir: string;
  /** Where the log is echoed as it comes (stdout in the CLI). */
  echo: (text: string) => void;
  now: () => Date;
}

/** How a build ended: its exit code and a one-line message. */
export interface BuildResult {
  code: number;
  message: string;
}

/**
 * Runs one iac build (plan or apply) as described by the environment (BUILD_ENV), storing
 * plan.json, the saved plan, summary.json / drift.json / apply.json and log.txt under
 * `runs/<runId>/<stepId>/`. The environment is also what the tools run with.
 */
export async function runBuild(env: NodeJS.ProcessEnv, deps: BuildDeps): Promise<BuildResult> {
  const log = new BuildLog(deps.echo);
  const { settings, problems } = readBuildSettings(env);
  if (!settings) {
    const message = `the build is not configured: ${problems.join('; ')}`;
    log.line(message);
    return { code: BUILD_EXIT.badSettings, message };
  }
  const store = { artifacts: deps.artifacts, runId: settings.runId, stepId: settings.stepId };
  const workDir = await mkdtemp(join(tmpdir(), 'signoff-build-'));
  let result: BuildResult;
  try {
    const project = await loadProject(resolve(deps.rootDir, settings.projectsFile), settings.project);
    const ctx: ToolContext = { project, projectDir: resolve(deps.rootDir, project.directory), env, log };
    log.line(
      `signoff ${settings.action}: project ${project.name} (${project.tool}), run ${settings.runId}, step ${settings.stepId}`,
    );
    if (settings.action === 'plan') {
      if (settings.planMode === 'drift') {
        const summary = await runDriftCheck(ctx, store, workDir);
        result = { code: BUILD_EXIT.ok, message: describeDriftCheck(summary) };
      } else {
        const policies = await loadPolicyFile(
          resolve(deps.rootDir, settings.policiesFile),
          settings.policiesFile,
        );
        const summary = await runPlan(ctx, store, policies, workDir, settings.gateRules);
        result = { code: BUILD_EXIT.ok, message: `planned; hash ${summary.plan.hash}` };
      }
    } else {
      const outcome = await runApply(ctx, store, {
        planFrom: settings.planFrom ?? '',
        approvedHash: settings.approvedPlanHash,
        workDir,
        now: deps.now,
      });
      result =
        outcome.status === 'drift'
          ? {
              code: BUILD_EXIT.drift,
              message: `plan drift: the re-plan (${outcome.drift.current_hash}) differs from the approved plan (${outcome.drift.approved_hash}) at ${outcome.drift.addresses.join(', ') || '(no address)'}; nothing applied`,
            }
          : { code: BUILD_EXIT.ok, message: `applied the plan ${outcome.report.plan_hash}` };
    }
  } catch (error) {
    result = { code: BUILD_EXIT.failed, message: `${settings.action} failed: ${(error as Error).message}` };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  log.line(result.message);
  await deps.artifacts.put(
    artifactKey(settings.runId, settings.stepId, ARTIFACT.log),
    log.text(),
    'text/plain; charset=utf-8',
  );
  return result;
}
