/**
 * Fixtures for the approval engine's tests: a directory, gate requests, a settable clock, and
 * deps built on memory adapters or on dynalite (same use cases, different stores).
 */
import { DynamoDbAuditLog } from '../../functions/adapters/dynamodb-audit-log.ts';
import { DynamoDbGateStore } from '../../functions/adapters/dynamodb-gate-store.ts';
import { DynamoDbVoteStore } from '../../functions/adapters/dynamodb-vote-store.ts';
import { MemoryAuditLog } from '../../functions/adapters/memory-audit-log.ts';
import { MemoryGateStore } from '../../functions/adapters/memory-gate-store.ts';
import { MemoryNotifier } from '../../functions/adapters/memory-notifier.ts';
import { MemoryVoteStore } from '../../functions/adapters/memory-vote-store.ts';
import { RecordingWorkflowEngine } from '../../functions/adapters/recording-workflow-engine.ts';
import type { ApprovalDeps } from '../../functions/core/approval/approval-deps.ts';
import type { AuditLog, AuditQuery, LogPort, Scheduler } from '../../functions/core/ports.ts';
import type { GateConfig, RequestApprovalInput, RunInfo } from '../../statemachines/contract.ts';
import type { Directory } from '../../statemachines/schema.ts';
import type { Dynalite } from './dynalite.ts';

/** 2026-11-25T10:00:00Z: the fixed start of every test clock. */
export const T0 = Date.parse('2026-11-25T10:00:00Z');

/** A small company: four platform leads, a requester, a viewer, a manager for escalations. */
export const DIRECTORY: Directory = {
  users: [
    { email: 'alice@acme.com', name: 'Alice Lead', role: 'admin', slack: 'U0ALICE' },
    { email: 'bob@acme.com', name: 'Bob Builder', role: 'developer' },
    { email: 'carol@acme.com', name: 'Carol Ops', role: 'developer' },
    { email: 'dave@acme.com', name: 'Dave Net', role: 'developer' },
    { email: 'jane@acme.com', name: 'Jane Requester', role: 'developer' },
    { email: 'vera@acme.com', name: 'Vera Viewer', role: 'viewer' },
    { email: 'erin@acme.com', name: 'Erin Manager', role: 'admin' },
    { email: 'omar@acme.com', name: 'Omar Outsider', role: 'developer' },
  ],
  teams: {
    'platform-leads': ['alice@acme.com', 'bob@acme.com', 'carol@acme.com', 'dave@acme.com'],
    managers: ['erin@acme.com'],
  },
};

/** A clock tests move by hand. */
export interface TestClock {
  now: () => number;
  set(ms: number): void;
  advance(ms: number): void;
}

/** A clock starting at T0. */
export function createClock(start = T0): TestClock {
  let current = start;
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

/** A Scheduler that only records what it was asked. */
export class RecordingScheduler implements Scheduler {
  readonly scheduled: { gateId: string; index: number; at: Date }[] = [];
  async scheduleEscalation(gateId: string, index: number, at: Date): Promise<void> {
    this.scheduled.push({ gateId, index, at });
  }
}

/** A LogPort that keeps every line, to assert what was (and was not) logged. */
export class RecordingLog implements LogPort {
  readonly lines: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  info(message: string, extra?: Record<string, unknown>) {
    this.lines.push({ level: 'info', message, ...(extra ? { extra } : {}) });
  }
  warn(message: string, extra?: Record<string, unknown>) {
    this.lines.push({ level: 'warn', message, ...(extra ? { extra } : {}) });
  }
  error(message: string, extra?: Record<string, unknown>) {
    this.lines.push({ level: 'error', message, ...(extra ? { extra } : {}) });
  }
}

/** Deps for tests, with the recording fakes reachable. */
export interface TestDeps extends ApprovalDeps {
  audit: AuditLog & AuditQuery;
  engine: RecordingWorkflowEngine;
  notifier: MemoryNotifier;
  scheduler: RecordingScheduler;
  log: RecordingLog;
  clock: TestClock;
}

function fakes(clock: TestClock) {
  return {
    engine: new RecordingWorkflowEngine(),
    notifier: new MemoryNotifier(),
    scheduler: new RecordingScheduler(),
    log: new RecordingLog(),
    directory: DIRECTORY,
    clock,
    now: clock.now,
  };
}

/** Deps on memory adapters. */
export function createMemoryDeps(clock = createClock()): TestDeps & { audit: MemoryAuditLog } {
  return {
    gates: new MemoryGateStore(),
    votes: new MemoryVoteStore(),
    audit: new MemoryAuditLog(),
    ...fakes(clock),
  };
}

/** Deps on dynalite's tables. */
export function createDynamoDeps(
  db: Dynalite,
  clock = createClock(),
): TestDeps & { audit: DynamoDbAuditLog } {
  return {
    gates: new DynamoDbGateStore(db.docClient, db.tableNames.gates),
    votes: new DynamoDbVoteStore(db.docClient, db.tableNames.gates),
    audit: new DynamoDbAuditLog(db.docClient, db.tableNames.audit),
    ...fakes(clock),
  };
}

let runCounter = 0;

/** A run started by Jane, with a fresh id. */
export function runInfo(overrides: Partial<RunInfo> = {}): RunInfo {
  runCounter += 1;
  return {
    id: `run-${runCounter}-${Math.random().toString(36).slice(2, 8)}`,
    workflow: 'production-deploy',
    environment: 'production',
    production: true,
    trigger: { type: 'manual' },
    started_by: { email: 'jane@acme.com', name: 'Jane Requester' },
    started_at: new Date(T0).toISOString(),
    ...overrides,
  };
}

/** The commit the merged pull request of `mergedPrRun` built. */
export const PR_SHA = '0123456789abcdef0123456789abcdef01234567';

/** A run started by the merge of pull request `pr.number` into acme/infrastructure, pinned to PR_SHA. */
export function mergedPrRun(
  pr: { number: number; title: string },
  overrides: Partial<RunInfo> = {},
): RunInfo {
  return runInfo({
    trigger: {
      type: 'github',
      delivery: 'd-1',
      repository: 'acme/infrastructure',
      branch: 'main',
      pr: {
        ...pr,
        author: 'octocat',
        merge_commit: PR_SHA,
        url: `https://github.com/acme/infrastructure/pull/${pr.number}`,
      },
    },
    source: {
      type: 'repository',
      repository: 'acme/infrastructure',
      commit: PR_SHA,
      ref: 'main',
      checkout: PR_SHA,
    },
    ...overrides,
  });
}

/** The gate config of a two-person rule over the platform leads, 4 h, cancel on timeout. */
export function gateConfig(overrides: Partial<GateConfig> = {}): GateConfig {
  return {
    name: 'Production approval',
    approvers: ['team:platform-leads'],
    required: 2,
    timeout_seconds: 4 * 3600,
    on_timeout: 'cancel',
    include: ['plan', 'cost', 'policy'],
    notify: { email: true },
    allow_self_approval: false,
    escalation: [],
    ...overrides,
  };
}

/** A request-approval payload with a plan summary, for a fresh run unless one is given. */
export function requestInput(
  gate: Partial<GateConfig> = {},
  run: RunInfo = runInfo(),
  token = `token-${run.id}`,
): RequestApprovalInput {
  return {
    task_token: token,
    run,
    step_id: 'approve',
    gate: gateConfig(gate),
    data: {
      plan: {
        step_id: 'plan',
        project: 'aws-production-network',
        add: 3,
        change: 1,
        destroy: 0,
        replace: 0,
        resources: [{ address: 'aws_vpc.main', action: 'update' }],
        resources_truncated: false,
        hash: 'sha256:abc123',
        artifacts: { plan_json: 'runs/r/plan/plan.json' },
      },
      cost: {
        estimated: true,
        currency: 'USD',
        monthly_before: 100,
        monthly_after: 145.2,
        monthly_delta: 45.2,
      },
    },
  };
}
