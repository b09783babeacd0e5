/**
 * Slack acknowledgement latency: 50 concurrent signed clicks over HTTP through the local gateway
 * into the slack-interactions handler, on dynalite, with the handler's votes in outbox mode (the
 * answer right after the commit) and the drainer fed by the gates stream's stand-in alongside,
 * as the local runtime runs it (its Slack message updates on the fake Slack API). Prints the AWS calls each click waits for
 * before its ack, p50/p99/max in ms (Slack's limit is 3,000 ms), first for clicks one at a time
 * (what one Lambda invocation costs), then under 50 concurrent clicks (queueing in one local
 * process); then sweeps everything and checks that no vote, audit event or engine call was lost
 * or doubled. Dynalite runs in its own process, as a separate service.
 */
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createSlackAdapters } from '../functions/adapters/slack-adapters.ts';
import { drainAllGates, drainGate } from '../functions/core/approval/drain-gate.ts';
import { requestApproval } from '../functions/core/approval/request-approval.ts';
import type { SlackInteractionDeps } from '../functions/core/slack/handle-slack-interaction.ts';
import type { SlackApi } from '../functions/core/slack/slack-api.ts';
import { createSlackInteractionsHandler } from '../functions/slack-interactions/handler.ts';
import { startGatesStream } from '../local/gates-stream.ts';
import { startGateway } from '../local/gateway.ts';
import { startFakeSlackApi } from '../local/slack/fake-slack-api.ts';
import { blockActionsPayload, signedInteraction } from '../local/slack/slack-click.ts';
import { createDynamoDeps, requestInput } from '../test/support/approval-fixtures.ts';
import type { Dynalite } from '../test/support/dynalite.ts';
import {
  awsWaitMs,
  callsAfterAnswer,
  callTally,
  currentTrace,
  type RequestTrace,
  recordAwsCalls,
  sequentialCalls,
  traceRequest,
} from './aws-call-trace.ts';
import { startDynaliteProcess } from './dynalite-process.ts';

const GATES = 100;
const CONCURRENCY = 50;
/** Clicks sent one at a time first: the cost of one ack without queueing (what one Lambda sees). */
const SOLO = 50;
const SECRET = 'bench-signing-secret';
const TOKEN = 'xoxb-bench';
// Alice has a Slack id in the directory; the others are found by their profile email.
const LEADS = [
  { id: 'U0ALICE', email: 'alice@acme.com', name: 'Alice Lead' },
  { id: 'U0BOB', email: 'bob@acme.com', name: 'Bob Builder' },
  { id: 'U0CAROL', email: 'carol@acme.com', name: 'Carol Ops' },
  { id: 'U0DAVE', email: 'dave@acme.com', name: 'Dave Net' },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function pool<T>(items: T[], workers: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** How many consistent GetItem calls dynalite answers per second with `concurrency` in flight (2 s). */
async function getItemsPerSecond(db: Dynalite, concurrency: number): Promise<number> {
  let done = 0;
  const end = performance.now() + 2000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await db.docClient.send(
          new GetCommand({
            TableName: db.tableNames.gates,
            Key: { gate_id: 'g_probe', sk: 'gate' },
            ConsistentRead: true,
          }),
        );
        done += 1;
      }
    }),
  );
  return done / 2;
}

/** Runs the benchmark and prints its figures. */
export default async function slackAckBench(): Promise<void> {
  const db = await startDynaliteProcess();
  // The store's own ceiling: no click can be acked faster than dynalite answers its calls.
  const storeRate = await getItemsPerSecond(db, CONCURRENCY);
  // Every store on the path (gates, votes, audit, Slack message refs) sends through this client.
  recordAwsCalls(db.client);
  const fake = await startFakeSlackApi({ botToken: TOKEN, users: LEADS });
  const base = createDynamoDeps(db, { now: Date.now, set() {}, advance() {} });
  const secrets = {
    get: async (name: string) => ({ 'slack-signing-secret': SECRET, 'slack-bot-token': TOKEN })[name],
  };
  const slack = createSlackAdapters({
    secrets,
    doc: db.docClient,
    gatesTable: db.tableNames.gates,
    publicUrl: 'http://127.0.0.1:3000',
    slackApiUrl: fake.apiUrl,
    retries: 0,
    timeoutMs: 1200,
  });
  // As the slack-interactions handler builds them: castVote's deps in outbox mode, the secrets
  // and the Slack API (an ephemeral post marks the click as refused, for the figures).
  const api: SlackApi = Object.assign(Object.create(slack.api) as SlackApi, {
    postEphemeral: (...args: Parameters<SlackApi['postEphemeral']>) => {
      const trace = currentTrace();
      if (trace) trace.kind = 'refused';
      return slack.api.postEphemeral(...args);
    },
  });
  const deps: SlackInteractionDeps = { ...base, voteEffects: 'outbox', secrets, slack: api };
  // The drainer's deps, as resume-gate's: the full notifier, Slack included, updates the messages.
  const drainer = { ...base, notifier: slack.notifier };
  const traces: RequestTrace[] = [];
  const handler = createSlackInteractionsHandler(() => deps);
  const gateway = await startGateway({
    port: 0,
    handlers: {
      'slack-interactions': (event, context) => {
        const trace: RequestTrace = { calls: [], kind: 'counted' };
        traces.push(trace);
        return traceRequest(trace, () => handler(event, context));
      },
    },
  });
  // The gates stream, as local/runtime.ts runs it: each batch drains the gates it names.
  let drainFailures = 0;
  const stream = startGatesStream({
    table: db.tableNames.gates,
    doc: db.docClient,
    deliver: async (event) => {
      const gateIds = new Set(event.Records.map((r) => r.dynamodb?.Keys?.gate_id?.S ?? ''));
      for (const gateId of gateIds) await drainGate(drainer, gateId).catch(() => (drainFailures += 1));
    },
    log: { info() {}, warn() {}, error() {} },
  });
  stream.watch(db.client);
  try {
    const gates: { gateId: string; channel: string; ts: string }[] = [];
    for (let i = 0; i < GATES; i++) {
      const { gate } = await requestApproval(
        { ...base, notifier: slack.notifier },
        requestInput({ notify: { slack: 'deploys', email: true } }),
      );
      const [ref] = await slack.messages.list(gate.gate_id);
      if (!ref) throw new Error('the request was not posted');
      gates.push({ gateId: gate.gate_id, ...ref });
    }
    // Every lead clicks Approve on every gate (2 of 4 open it; the rest are refused as closed),
    // and Alice clicks twice: one vote per person must hold under concurrency.
    const clicks = gates.flatMap((g) =>
      [...LEADS, LEADS[0] as (typeof LEADS)[0]].map((lead) =>
        blockActionsPayload({
          userId: lead.id,
          actionId: 'signoff_approve',
          value: g.gateId,
          channel: g.channel,
          messageTs: g.ts,
        }),
      ),
    );
    for (let i = clicks.length - 1, seed = 7; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [clicks[i], clicks[j]] = [clicks[j] as (typeof clicks)[0], clicks[i] as (typeof clicks)[0]];
    }
    let failed = 0;
    const send = async (payload: Record<string, unknown>, into: number[]) => {
      const request = signedInteraction(SECRET, payload);
      const t0 = performance.now();
      const response = await fetch(`${gateway.url}/slack/interactions`, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
      });
      await response.arrayBuffer();
      into.push(performance.now() - t0);
      if (response.status !== 200) failed += 1;
    };
    // The clicks only: the requests' traces from here on.
    traces.length = 0;
    const solo: number[] = [];
    for (const payload of clicks.slice(0, SOLO)) await send(payload, solo);
    const latencies: number[] = [];
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const started = performance.now();
    await pool(clicks.slice(SOLO), CONCURRENCY, (payload) => send(payload, latencies));
    const seconds = (performance.now() - started) / 1000;
    loopDelay.disable();
    const soloTraces = traces.slice(0, SOLO);
    const concurrentTraces = traces.slice(SOLO);

    // Then the sweep finishes what the clicks left, as it would behind the last ack.
    await stream.stop();
    for (let pass = 0; pass < 10; pass++) {
      await drainAllGates(drainer);
      if ((await base.gates.listOwing()).length === 0) break;
    }
    let overCounted = 0;
    let notOpened = 0;
    let counted = 0;
    let auditedVotes = 0;
    let auditedRefusals = 0;
    let engineWrong = 0;
    for (const g of gates) {
      const gate = await deps.gates.get(g.gateId);
      if (gate?.status !== 'approved') notOpened += 1;
      if ((gate?.approved_by.length ?? 0) > 2) overCounted += 1;
      counted += gate?.approved_by.length ?? 0;
      const events = gate ? await base.audit.readRun(gate.run.id) : [];
      auditedVotes += events.filter((e) => e.action === 'approved').length;
      auditedRefusals += events.filter((e) => e.action === 'refused').length;
      const told = base.engine.calls.filter((c) => c.token === `token-${gate?.run.id}`);
      if (told.length !== 1 || told[0]?.kind !== 'success') engineWrong += 1;
    }
    const refusedClicks = traces.filter((t) => t.kind === 'refused').length;
    const owing = (await base.gates.listWithOutbox()).length + (await base.gates.listUnnotified()).length;
    latencies.sort((a, b) => a - b);
    solo.sort((a, b) => a - b);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const figures = (sorted: number[]) =>
      `p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted.at(-1) ?? 0)}`;
    console.log(`clicks: ${clicks.length} on ${GATES} gates (2 of 4), over HTTP; Slack allows 3000 ms`);
    console.log(
      `dynalite alone: ${storeRate.toFixed(0)} GetItem/s at ${CONCURRENCY} concurrent, so ${CONCURRENCY} clicks of 3 calls need at least ${ms((CONCURRENCY * 3 * 1000) / storeRate)} for the last of them`,
    );
    for (const kind of ['counted', 'refused']) {
      const chains = new Map<string, number>();
      for (const t of traces.filter((x) => x.kind === kind)) {
        const chain = sequentialCalls(t);
        const key = `${chain.length} sequential (${chain.join(' → ') || 'none'})`;
        chains.set(key, (chains.get(key) ?? 0) + 1);
      }
      const sorted = [...chains.entries()].sort((a, b) => b[1] - a[1]);
      console.log(`AWS calls before the ack, ${kind} clicks:`);
      for (const [chain, n] of sorted) console.log(`  ${chain}: ${n}`);
    }
    const tally = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
    console.log(`AWS calls in all, by the clicks: ${tally(callTally.clicks)}`);
    console.log(`AWS calls in all, by the drainer and setup: ${tally(callTally.other)}`);
    const most = Math.max(0, ...traces.map((t) => sequentialCalls(t).length));
    const after = traces.reduce((n, t) => n + callsAfterAnswer(t).length, 0);
    console.log(
      `most sequential AWS calls before any ack: ${most}; AWS calls a click made after its ack: ${after}`,
    );
    console.log(`one at a time (${solo.length}):  ${figures(solo)}`);
    console.log(`${CONCURRENCY} concurrent (${latencies.length}): ${figures(latencies)}`);
    // Where the time goes: in the handler, and of that waiting on dynalite; the rest is the HTTP
    // hop and the queue in this one process (its event loop's delay shows how busy it was).
    const split = (ts: RequestTrace[]) => {
      const inHandler = ts.map((t) => (t.answeredAt ?? 0) - (t.startedAt ?? 0)).sort((a, b) => a - b);
      const onAws = ts.map(awsWaitMs).sort((a, b) => a - b);
      return `in the handler p50 ${ms(percentile(inHandler, 50))}, p99 ${ms(percentile(inHandler, 99))}; of which waiting on AWS p50 ${ms(percentile(onAws, 50))}, p99 ${ms(percentile(onAws, 99))}`;
    };
    console.log(`one at a time: ${split(soloTraces)}`);
    console.log(`${CONCURRENCY} concurrent: ${split(concurrentTraces)}`);
    console.log(
      `event loop delay while concurrent: p99 ${ms(loopDelay.percentile(99) / 1e6)}, max ${ms(loopDelay.max / 1e6)}`,
    );
    console.log(
      `throughput: ${(latencies.length / seconds).toFixed(0)} clicks/s; non-200 answers: ${failed}`,
    );
    console.log(
      `load average at the end: ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs (gateway, handler and fake Slack share one process)`,
    );
    console.log(
      `gates not opened: ${notOpened}; gates with more than 2 approvals: ${overCounted} (both must be 0)`,
    );
    console.log(
      `after the drain: approval audit events ${auditedVotes} for ${counted} counted votes; refusal audit events ${auditedRefusals} for ${refusedClicks} refused clicks; gates whose engine was not told exactly once: ${engineWrong}; gates still owing: ${owing}; failed drains: ${drainFailures}`,
    );
    if (
      notOpened + overCounted + engineWrong + owing + failed > 0 ||
      auditedVotes !== counted ||
      auditedRefusals !== refusedClicks
    ) {
      throw new Error('a vote, audit event or engine call was lost or doubled');
    }
    console.log(
      `Slack calls: ${fake.calls.length} (users.info: ${fake.calls.filter((c) => c.method === 'users.info').length}, cached after the first per person)`,
    );
  } finally {
    await stream.stop();
    await gateway.close();
    await fake.close();
    await db.stop();
  }
}
