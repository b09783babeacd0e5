/** The state file: what the tool created, with a serial that every apply increments. */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Attributes of a managed object, as written to state and to the plan's before/after. */
export type Attributes = Record<string, string>;

/** One managed resource in state. */
export interface StateResource {
  address: string;
  type: string;
  name: string;
  attributes: Attributes;
}

/** The whole state of one workspace. */
export interface State {
  version: 1;
  lineage: string;
  serial: number;
  resources: StateResource[];
}

/** Where a workspace's state file lives. */
export function statePath(stateDir: string, workspace: string): string {
  return join(stateDir, `${workspace}.state.json`);
}

/** Reads a workspace's state; a missing file is an empty state with no lineage yet. */
export function readState(file: string): State {
  if (!existsSync(file)) return { version: 1, lineage: '', serial: 0, resources: [] };
  return JSON.parse(readFileSync(file, 'utf8')) as State;
}

/** The lineage a state keeps for good, given on its first write. */
export function lineageOf(state: State): string {
  return state.lineage || randomUUID();
}

/** Writes state atomically (write then rename), so a crash never leaves half a file. */
export function writeState(file: string, state: State): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}
