/**
 * The pinned IaC tools of `config/toolchain.yaml`: which version of terraform or tofu a build
 * installs, and the SHA-256 its release zip must have on this machine's platform.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Project } from '../../../statemachines/schema.ts';
import { BuildConfigError } from './load-config.ts';

/** The platforms a build runs on, named as the release zips name them. */
export const PLATFORMS = ['linux_amd64', 'linux_arm64'] as const;

/** One platform of the release zips. */
export type Platform = (typeof PLATFORMS)[number];

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 is 64 lowercase hex digits');
const pin = z.object({
  version: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/, 'a version is like 1.11.4'),
  sha256: z.object({ linux_amd64: sha256, linux_arm64: sha256 }).strict(),
});

/** The schema of `config/toolchain.yaml`. */
export const toolchainSchema = z.object({
  tools: z.object({ terraform: pin, tofu: pin }).strict(),
});

/** The parsed `config/toolchain.yaml`. */
export type Toolchain = z.infer<typeof toolchainSchema>;

/** What install-tool.sh is given: a tool, its version and the checksum of its zip. */
export interface ToolPin {
  name: 'terraform' | 'tofu';
  version: string;
  sha256: string;
  platform: Platform;
}

/** Parses the toolchain file's text; every problem in one error. */
export function parseToolchain(text: string, file: string): Toolchain {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new BuildConfigError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = toolchainSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new BuildConfigError(`${file} is not valid: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Reads and checks the toolchain file. */
export async function loadToolchain(file: string): Promise<Toolchain> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BuildConfigError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseToolchain(text, file);
}

/** The release platform of a Node.js `process.arch`; undefined where no release is pinned. */
export function platformOf(arch: string): Platform | undefined {
  if (arch === 'x64') return 'linux_amd64';
  if (arch === 'arm64') return 'linux_arm64';
  return undefined;
}

/** The pin a project's build installs: none for `command` projects, which bring their own tools. */
export function pinFor(toolchain: Toolchain, project: Project, platform: Platform): ToolPin | undefined {
  if (project.tool === 'command') return undefined;
  const tool = toolchain.tools[project.tool];
  return { name: project.tool, version: tool.version, sha256: tool.sha256[platform], platform };
}
