/**
 * The build runner's command line, bundled by esbuild into one file (infra/constructs/bundling.ts)
 * that infra/buildspec.yml runs in CodeBuild and the local runtime runs in its child process:
 *
 *   node "$SIGNOFF_RUNNER"            plan or apply (SIGNOFF_ACTION) one project; artifacts go to
 *                                     the S3 bucket SIGNOFF_ARTIFACTS_BUCKET, or to the directory
 *                                     SIGNOFF_ARTIFACTS_DIR
 *   node "$SIGNOFF_RUNNER" toolchain  print `NAME VERSION SHA256` of the pinned tool the project
 *                                     (SIGNOFF_PROJECT) uses, for infra/install-tool.sh; nothing
 *                                     for a `command` project
 *
 * The tools install-tool.sh installed (SIGNOFF_TOOLS_DIR) come first on the PATH of every
 * command the runner starts, so the pinned version wins over one the image may carry.
 */
import { delimiter } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { BUILD_ENV } from '../../../statemachines/contract.ts';
import { FsArtifactStore } from '../../adapters/fs-artifact-store.ts';
import { S3ArtifactStore } from '../../adapters/s3-artifact-store.ts';
import type { ArtifactStore } from '../ports.ts';
import { RUNNER_ENV } from './build-settings.ts';
import { loadProject } from './load-config.ts';
import { BUILD_EXIT, runBuild } from './run-build.ts';
import { loadToolchain, pinFor, platformOf } from './toolchain.ts';

/** Where install-tool.sh puts the tools, and where the toolchain file is. */
const TOOLS_DIR = 'SIGNOFF_TOOLS_DIR';
const TOOLCHAIN_FILE = 'SIGNOFF_TOOLCHAIN_FILE';

function createArtifactStore(env: NodeJS.ProcessEnv): ArtifactStore | undefined {
  const bucket = env[RUNNER_ENV.artifactsBucket];
  if (bucket) {
    // An endpoint override (an S3 emulator in the tests) needs path-style addressing, as the functions' clients use.
    const endpoint = env[RUNNER_ENV.s3Endpoint];
    const client = new S3Client(endpoint ? { endpoint, forcePathStyle: true } : {});
    return new S3ArtifactStore(client, bucket);
  }
  const dir = env[RUNNER_ENV.artifactsDir];
  return dir ? new FsArtifactStore(dir) : undefined;
}

async function printToolPin(env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const projectsFile = env[RUNNER_ENV.projectsFile] || 'config/projects.yaml';
    const project = await loadProject(projectsFile, env[BUILD_ENV.project] ?? '');
    if (project.tool === 'command') return BUILD_EXIT.ok;
    const platform = platformOf(process.arch);
    if (!platform) {
      console.error(`signoff build: no ${project.tool} release is pinned for ${process.arch}`);
      return BUILD_EXIT.badSettings;
    }
    const toolchain = await loadToolchain(env[TOOLCHAIN_FILE] || 'config/toolchain.yaml');
    const pin = pinFor(toolchain, project, platform);
    if (pin) console.log(`${pin.name} ${pin.version} ${pin.sha256}`);
    return BUILD_EXIT.ok;
  } catch (error) {
    console.error(`signoff build: ${(error as Error).message}`);
    return BUILD_EXIT.badSettings;
  }
}

async function build(env: NodeJS.ProcessEnv): Promise<number> {
  const artifacts = createArtifactStore(env);
  if (!artifacts) {
    console.error(`signoff build: set ${RUNNER_ENV.artifactsBucket} or ${RUNNER_ENV.artifactsDir}`);
    return BUILD_EXIT.badSettings;
  }
  const toolsDir = env[TOOLS_DIR];
  const result = await runBuild(
    toolsDir ? { ...env, PATH: [toolsDir, env.PATH].filter(Boolean).join(delimiter) } : env,
    {
      artifacts,
      rootDir: process.cwd(),
      echo: (text) => process.stdout.write(text),
      now: () => new Date(),
    },
  );
  if (result.code !== BUILD_EXIT.ok) console.error(`signoff build: ${result.message}`);
  return result.code;
}

process.exitCode =
  process.argv[2] === 'toolchain' ? await printToolPin(process.env) : await build(process.env);
