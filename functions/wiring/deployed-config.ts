/**
 * The workflows and directory a deployment was built with, as the stack validated them at synth:
 * one JSON file beside every bundle. A Lambda reads it with JSON.parse instead of parsing and
 * validating the YAML again, which kept the YAML parser and the schema library (over half a
 * megabyte) in every function. The local runtime and the CLI read the YAML itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FreezeDefinition } from '../../statemachines/freezes.ts';
import type { Directory, Workflow } from '../../statemachines/schema.ts';
import type { Config } from '../config.ts';
import { createWorkflowCatalog, type WorkflowCatalog } from '../core/runs/workflow-catalog.ts';

/** The file's name, in the bundle's root (SIGNOFF_CONFIG_DIR). */
export const DEPLOYED_CONFIG_FILE = 'signoff-config.json';

/** What the file holds. */
export interface DeployedConfig {
  directory: Directory;
  workflows: Workflow[];
  /** `config/freezes.yaml`'s windows (absent in a bundle built before freezes). */
  freezes?: FreezeDefinition[];
}

const read = new Map<string, DeployedConfig>();

/** The deployed config under `configDir`, read once per process; a missing file is a packaging bug and throws. */
export function readDeployedConfig(configDir: string): DeployedConfig {
  let config = read.get(configDir);
  if (!config) {
    const path = join(configDir, DEPLOYED_CONFIG_FILE);
    try {
      config = JSON.parse(readFileSync(path, 'utf8')) as DeployedConfig;
    } catch (error) {
      throw new Error(
        `cannot read the deployed workflows and directory (${DEPLOYED_CONFIG_FILE}): ${(error as Error).message}`,
      );
    }
    read.set(configDir, config);
  }
  return config;
}

/** The deployed directory. */
export function deployedDirectory(config: Pick<Config, 'configDir'>): Directory {
  return readDeployedConfig(config.configDir).directory;
}

/** The deployed workflows, with their state machine ARNs. */
export function deployedWorkflows(
  config: Pick<Config, 'configDir' | 'stateMachineArnPrefix'>,
): WorkflowCatalog {
  return createWorkflowCatalog(readDeployedConfig(config.configDir).workflows, config.stateMachineArnPrefix);
}

/** The deployed freeze windows. */
export function deployedFreezes(config: Pick<Config, 'configDir'>): FreezeDefinition[] {
  return readDeployedConfig(config.configDir).freezes ?? [];
}
