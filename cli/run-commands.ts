/** CLI commands that talk to the API: run (with --follow), runs, approve, reject, audit. */

import { formatCost } from '../functions/core/approval/approval-view.ts';
import { mayStillVote } from '../functions/core/approval/eligibility.ts';
import { describeAuditEvent } from '../functions/core/audit/describe-audit-event.ts';
import type { RunLockView } from '../functions/core/locks/lock-views.ts';
import type { AuditEvent, RunRecord } from '../functions/core/ports.ts';
import type { RunListEntry, RunView } from '../functions/core/runs/run-view.ts';
import { builtCommit, describeSource } from '../functions/core/runs/source.ts';
import { type ApiOptions, apiClient, saidWho } from './api-client.ts';
import { CliError } from './workspace.ts';

type Out = (text: string) => void;

/** Lays rows out in aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function elapsed(fromIso: string, toIso?: string): string {
  const ms = (toIso ? Date.parse(toIso) : Date.now()) - Date.parse(fromIso);
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `signoff run WORKFLOW [--reason TEXT] [--follow]`. */
export async function runCommand(
  options: ApiOptions & {
    workflow: string;
    reason?: string;
    ref?: string;
    sha?: string;
    follow: boolean;
    intervalMs?: number;
  },
  out: Out,
): Promise<number> {
  const api = apiClient(options);
  const started = (await api.post('/api/runs', {
    workflow: options.workflow,
    reason: options.reason,
    ref: options.ref,
    sha: options.sha,
  })) as {
    run: RunRecord;
    duplicate: boolean;
  };
  const run = started.run;
  out(
    `started ${run.workflow} run ${run.id}${run.bypass ? ' (emergency bypass: audited for post-incident review)' : ''}`,
  );
  const source = describeSource(run.source);
  if (source) out(`  builds ${source.text}`);
  out(`  ${api.endpoint}/runs/${run.id}`);
  if (!options.follow) return 0;
  return followRun(api, run.id, out, options.intervalMs ?? 1000);
}

async function followRun(
  api: ReturnType<typeof apiClient>,
  runId: string,
  out: Out,
  intervalMs: number,
): Promise<number> {
  const seen = new Map<string, string>();
  for (;;) {
    const view = (await api.get(`/api/runs/${encodeURIComponent(runId)}`)) as RunView;
    for (const lock of view.locks ?? []) {
      const key = `lock:${lock.project}`;
      const state = lock.this_run === 'waits' ? `waits:${lock.held_by?.run_id}` : lock.this_run;
      if (seen.get(key) === state || lock.this_run === 'none') continue;
      seen.set(key, state);
      out(
        lock.this_run === 'holds'
          ? `  locked ${lock.project}`
          : `  waiting for project lock held by run ${lock.held_by?.run_id} (${lock.held_by?.workflow}) on ${lock.project}`,
      );
    }
    for (const step of view.steps) {
      const key = `${step.status}`;
      if (seen.get(step.id) === key || step.status === 'pending') continue;
      seen.set(step.id, key);
      const time = step.started_at ? elapsed(view.run.started_at, step.started_at) : '';
      const took = step.duration_ms !== undefined ? ` (${(step.duration_ms / 1000).toFixed(1)}s)` : '';
      out(
        `  +${time.padEnd(6)} ${step.id.padEnd(20)} ${step.status}${took}${step.error ? `: ${step.detail ?? step.error}` : ''}`,
      );
      const gate = view.gates.find((g) => g.gate.step_id === step.id);
      // `waiting` marks a step held by its pending gate; older servers said `running`.
      if (gate && (step.status === 'waiting' || step.status === 'running')) {
        const g = gate.gate;
        out(
          `          waiting for ${g.required} of ${gate.asked.length} approvers (${gate.asked.map((a) => a.email).join(', ')}) until ${g.deadline}`,
        );
        out(
          `          approvers got an email with a link and a Slack message; or: npx signoff approve ${runId} --as EMAIL`,
        );
      }
    }
    if (view.run.status !== 'RUNNING') {
      // The outcome and its sentence; a server without them (older) gives the engine's status.
      out(
        view.outcome
          ? `${view.outcome} after ${elapsed(view.run.started_at, view.run.stopped_at)}: ${view.outcome_detail}`
          : `${view.run.status.toLowerCase()} after ${elapsed(view.run.started_at, view.run.stopped_at)}`,
      );
      return view.run.status === 'SUCCEEDED' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** `signoff runs [--workflow W] [--waiting]`. */
export async function runsCommand(
  options: ApiOptions & { workflow?: string; waiting: boolean; json: boolean },
  out: Out,
) {
  const api = apiClient(options, { reads: true });
  const params = new URLSearchParams();
  if (options.workflow) params.set('workflow', options.workflow);
  if (options.waiting) params.set('status', 'waiting');
  const page = (await api.get(`/api/runs?${params}`)) as { runs: RunListEntry[] };
  if (options.json) {
    out(JSON.stringify(page, null, 2));
    return 0;
  }
  if (page.runs.length === 0) {
    out('no runs');
    return 0;
  }
  // The sentence of each run that ended badly, under the table: the table keeps one line a run.
  const explained = page.runs.filter(
    (r) => r.outcome_detail && r.status !== 'RUNNING' && r.status !== 'SUCCEEDED',
  );
  out(
    table(
      [
        'RUN',
        'WORKFLOW',
        'OUTCOME',
        'APPROVALS',
        'CHANGES',
        'COST',
        'COMMIT',
        'STARTED',
        'BY',
        'PROJECT LOCK',
      ],
      page.runs.map((r) => [
        r.id,
        r.workflow,
        r.outcome ?? r.status,
        r.gate_progress ?? '-',
        r.changes ? `+${r.changes.add} ~${r.changes.change} -${r.changes.destroy}` : '-',
        r.changes?.cost?.estimated ? formatCost(r.changes.cost) : '-',
        r.source?.type === 'snapshot' ? 'snapshot' : (builtCommit(r.source)?.slice(0, 7) ?? '-'),
        r.started_at,
        r.started_by?.email ?? r.trigger.type,
        lockCell(r.locks ?? []),
      ]),
    ),
  );
  for (const r of explained) out(`${r.id}: ${r.outcome_detail}`);
  return 0;
}

/** The runs table's lock column: what this run holds or waits for, else who holds its projects. */
export function lockCell(locks: RunLockView[]): string {
  const cells = locks.map((l) => {
    if (l.this_run === 'holds') return `holds ${l.project}`;
    if (l.this_run === 'waits') return `waiting for ${l.project} (held by run ${l.held_by?.run_id})`;
    return l.held_by ? `${l.project} held by run ${l.held_by.run_id}` : '';
  });
  return cells.filter(Boolean).join('; ') || '-';
}

/** `signoff approve|reject RUN [--comment TEXT]`: votes on the run's pending gate. */
export async function voteCommand(
  options: ApiOptions & { runId: string; decision: 'approve' | 'reject'; comment?: string; gate?: string },
  out: Out,
) {
  const reader = apiClient(options, { reads: true });
  const view = (await reader.get(`/api/runs/${encodeURIComponent(options.runId)}`)) as RunView;
  const pending = view.gates.filter(
    (g) =>
      g.gate.status === 'pending' &&
      (!options.gate || g.gate.step_id === options.gate || g.gate.gate_id === options.gate),
  );
  if (pending.length === 0) {
    const last = view.gates.at(-1)?.gate;
    throw new CliError(
      last
        ? `run ${options.runId} has no pending gate (the last one is ${last.status}${last.closed_at ? ` since ${last.closed_at}` : ''})`
        : `run ${options.runId} has no approval gate yet`,
    );
  }
  if (pending.length > 1)
    throw new CliError(`run ${options.runId} has several pending gates; say which with --gate STEP`);
  const { gate, votes } = pending[0] as (typeof pending)[number];
  const candidates = mayStillVote(gate, votes, options.decision).map((p) => p.email);
  if (!saidWho(options) && candidates.length === 0)
    throw new CliError(
      `nobody is left who may ${options.decision} gate ${gate.step_id}; say who you are with --as EMAIL`,
    );
  const api = apiClient(options, {
    reads: false,
    candidates,
    of: `the approvers of gate ${gate.step_id} who have not voted`,
  });
  const outcome = (await api.post(`/api/gates/${gate.gate_id}/votes`, {
    decision: options.decision,
    ...(options.comment ? { comment: options.comment } : {}),
  })) as { status: string; approvals: number; required: number };
  out(
    `${options.decision === 'approve' ? 'approved' : 'rejected'} gate ${gate.step_id} of run ${options.runId}: ${outcome.approvals} of ${outcome.required} approvals, gate ${outcome.status}`,
  );
  return 0;
}

/** `signoff audit [--workflow W] [--actor A] [--run R] [--action A] [--from D] [--to D] [--format table|csv|json]`. */
export async function auditCommand(
  options: ApiOptions & {
    workflow?: string | undefined;
    actor?: string | undefined;
    run?: string | undefined;
    action?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    format: string;
    limit?: number | undefined;
  },
  out: Out,
) {
  const api = apiClient(options, { reads: true });
  const params = new URLSearchParams();
  const { workflow, actor, run, action, from, to } = options;
  for (const [k, v] of Object.entries({ workflow, actor, run, action, from, to })) if (v) params.set(k, v);
  params.set('limit', String(options.limit ?? 100));
  if (options.format === 'csv') {
    params.set('format', 'csv');
    out(String(await api.get(`/api/audit?${params}`)).trimEnd());
    return 0;
  }
  const page = (await api.get(`/api/audit?${params}`)) as { events: AuditEvent[] };
  if (options.format === 'json') {
    out(JSON.stringify(page, null, 2));
    return 0;
  }
  if (options.format !== 'table') throw new CliError('--format is table, csv or json', 2);
  out(
    table(
      ['AT', 'ACTION', 'ACTOR', 'WORKFLOW', 'RUN', 'RESPONSE', 'DETAILS'],
      page.events.map((e) => [
        e.at,
        e.action,
        e.actor.email,
        e.workflow,
        e.run_id,
        e.response_time_ms !== undefined ? `${Math.round(e.response_time_ms / 1000)}s` : '',
        describeAuditEvent(e),
      ]),
    ),
  );
  return 0;
}

/** `signoff audit verify [--run R]`: checks every run's hash chain. */
export async function auditVerifyCommand(options: ApiOptions & { run?: string }, out: Out) {
  const api = apiClient(options, { reads: true });
  const report = (await api.get(
    `/api/audit/verify${options.run ? `?run=${encodeURIComponent(options.run)}` : ''}`,
  )) as {
    ok: boolean;
    runs: {
      run_id: string;
      events: number;
      ok: boolean;
      problems: { seq: number; kind: string; message?: string }[];
    }[];
    checkpoints?: {
      ok: boolean;
      checked: number;
      archive: boolean;
      newest?: { n: number; at: string };
      problems: { seq: number; kind: string; message?: string }[];
    };
  };
  const checkpoints = report.checkpoints;
  if (checkpoints) {
    const newest = checkpoints.newest ? `, newest ${checkpoints.newest.n} at ${checkpoints.newest.at}` : '';
    const archive = checkpoints.archive ? 'compared with their locked copies' : 'no locked archive';
    out(`${checkpoints.ok ? 'ok  ' : 'FAIL'}  checkpoints  (${checkpoints.checked}${newest}; ${archive})`);
    for (const p of checkpoints.problems)
      out(`      checkpoint ${p.seq}: ${p.kind}${p.message ? `: ${p.message}` : ''}`);
  }
  for (const run of report.runs) {
    out(`${run.ok ? 'ok  ' : 'FAIL'}  ${run.run_id}  (${run.events} events)`);
    for (const p of run.problems) out(`      seq ${p.seq}: ${p.kind}${p.message ? `: ${p.message}` : ''}`);
  }
  out(
    report.ok
      ? `${report.runs.length} run(s) verified: every audit chain is intact`
      : 'the audit trail was changed: see FAIL above',
  );
  return report.ok ? 0 : 1;
}
