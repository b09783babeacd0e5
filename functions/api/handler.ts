/**
 * The JSON API (`/api/*`): runs, votes, the audit trail and identity records for the CLI and scripts. Every route
 * but health needs `Authorization: Bearer <API token>`; bad input is a 4xx with a message.
 */
import middy from '@middy/core';
import { createError } from '@middy/util';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type { DirectoryUser } from '../../statemachines/schema.ts';
import { InvalidCursorError } from '../adapters/audit-cursor.ts';
import { castVote } from '../core/approval/cast-vote.ts';
import { refusalStatus } from '../core/approval/eligibility.ts';
import { renderAuditCsv } from '../core/audit/audit-csv.ts';
import { parseAuditFilter } from '../core/audit/audit-filter.ts';
import { verifyAuditTrail } from '../core/audit/verify-audit-trail.ts';
import { authenticateBearer } from '../core/auth/api-tokens.ts';
import { listIdentities, revokeIdentity } from '../core/auth/directory-sync.ts';
import { endFreeze, listFreezes, startFreeze } from '../core/freeze/adhoc-freezes.ts';
import { forceReleaseLock } from '../core/locks/force-release-lock.ts';
import { listProjectLocks } from '../core/locks/lock-views.ts';
import { getRunView, listRunViews } from '../core/runs/run-view.ts';
import { startManualRun } from '../core/runs/start-manual-run.ts';
import { createApiDeps } from '../wiring/http.ts';
import { depsFor } from '../wiring/scope.ts';
import {
  parseFreezeBody,
  parseReleaseBody,
  parseStartBody,
  parseVoteBody,
  queryOf,
  voteChannel,
} from './requests.ts';

const getDeps = depsFor(createApiDeps);

function json(statusCode: number, body: unknown): APIGatewayProxyResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

async function caller(event: APIGatewayProxyEventV2): Promise<DirectoryUser> {
  const result = await authenticateBearer(getDeps(), event.headers.authorization);
  if (!result.ok) throw createError(401, result.reason, { expose: true });
  return result.user;
}

/** The `{email}` path parameter, decoded once more if it still holds percent escapes (`%40`). */
function pathEmail(raw: string | undefined): string {
  if (!raw || !/%[0-9A-Fa-f]{2}/.test(raw)) return raw ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

async function route(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const deps = getDeps();
  if (event.routeKey === 'GET /api/health') return json(200, { ok: true });
  const user = await caller(event);
  const query = queryOf(event);
  switch (event.routeKey) {
    case 'GET /api/workflows':
      return json(200, {
        workflows: deps.workflows.all().map((w) => ({
          name: w.name,
          description: w.description,
          environment: w.environment,
          triggers: Object.keys(w.triggers).filter((k) => w.triggers[k as keyof typeof w.triggers]),
          manual_roles: w.triggers.manual?.roles ?? [],
          steps: w.steps.map((s) => ({ id: s.id, type: s.type })),
        })),
        problems: deps.workflows.problems(),
      });
    case 'GET /api/runs': {
      const page = await listRunViews(
        deps,
        { workflow: query.string('workflow'), waiting: query.string('status') === 'waiting' },
        { limit: query.int('limit', 1, 100), cursor: query.string('cursor') },
      );
      return json(200, page);
    }
    case 'POST /api/runs': {
      const body = parseStartBody(event);
      const outcome = await startManualRun(deps, user.email, body);
      if (outcome.kind === 'refused') throw createError(outcome.status, outcome.message, { expose: true });
      return json(outcome.kind === 'started' ? 201 : 200, {
        run: outcome.run,
        duplicate: outcome.kind === 'duplicate',
      });
    }
    case 'GET /api/runs/{runId}': {
      const view = await getRunView(deps, event.pathParameters?.runId ?? '');
      if (!view)
        throw createError(404, `no run ${event.pathParameters?.runId?.slice(0, 80)}`, { expose: true });
      return json(200, view);
    }
    case 'POST /api/gates/{gateId}/votes': {
      const body = parseVoteBody(event);
      const outcome = await castVote(deps, {
        gateId: event.pathParameters?.gateId ?? '',
        voter: user.email,
        decision: body.decision,
        comment: body.comment,
        channel: voteChannel(event),
      });
      if (outcome.kind === 'refused') {
        return json(refusalStatus(outcome.code), { ...outcome, message: outcome.reason });
      }
      return json(200, outcome);
    }
    case 'GET /api/locks':
      return json(200, { locks: await listProjectLocks(deps) });
    case 'POST /api/locks/{project}/release': {
      // Only an admin's body is read: anyone else is refused (and audited) whatever they sent.
      const reason = user.role === 'admin' ? parseReleaseBody(event).reason : undefined;
      const outcome = await forceReleaseLock(deps, {
        project: event.pathParameters?.project ?? '',
        actor: user.email,
        reason,
      });
      if (outcome.kind === 'refused') throw createError(outcome.status, outcome.message, { expose: true });
      return json(200, outcome);
    }
    case 'GET /api/freezes':
      return json(200, await listFreezes(deps));
    case 'POST /api/freezes': {
      // Only an admin's body is read: anyone else is refused (and audited) whatever they sent.
      const body = user.role === 'admin' ? parseFreezeBody(event) : {};
      const outcome = await startFreeze(deps, { actor: user.email, ...body });
      if (outcome.kind === 'refused') throw createError(outcome.status, outcome.message, { expose: true });
      return json(201, { freeze: outcome.freeze });
    }
    case 'POST /api/freezes/{freezeId}/end': {
      const outcome = await endFreeze(deps, user.email, event.pathParameters?.freezeId ?? '');
      if (outcome.kind === 'refused') throw createError(outcome.status, outcome.message, { expose: true });
      return json(200, { freeze: outcome.freeze });
    }
    case 'GET /api/directory/identities': {
      const outcome = await listIdentities(deps, user.email);
      if (outcome.kind === 'refused') throw createError(outcome.status, outcome.message, { expose: true });
      return json(200, { identities: outcome.identities });
    }
    case 'POST /api/directory/identities/{email}/revoke': {
      const outcome = await revokeIdentity(deps, user.email, pathEmail(event.pathParameters?.email));
      if (outcome.kind === 'refused') throw createError(outcome.status, outcome.message, { expose: true });
      return json(200, outcome);
    }
    case 'GET /api/audit': {
      const format = query.string('format') ?? 'json';
      if (format !== 'json' && format !== 'csv') {
        throw createError(400, `format must be json or csv, not "${format.slice(0, 40)}"`, { expose: true });
      }
      const parsed = parseAuditFilter(
        {
          action: query.string('action'),
          actor: query.string('actor'),
          workflow: query.string('workflow'),
          run: query.string('run'),
          from: query.string('from'),
          to: query.string('to'),
        },
        // The trail outlives workflows: the API lists the events of a removed one too.
        undefined,
      );
      if (!('filter' in parsed)) throw createError(400, parsed.problems.join(' '), { expose: true });
      const page = await deps.auditQuery.list(parsed.filter, {
        limit: query.int('limit', 1, 500),
        cursor: query.string('cursor'),
      });
      if (format === 'csv') {
        return {
          statusCode: 200,
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': 'attachment; filename="signoff-audit.csv"',
          },
          body: renderAuditCsv(page.events),
        };
      }
      return json(200, page);
    }
    case 'GET /api/audit/verify': {
      const report = await verifyAuditTrail(deps, query.string('run'));
      const missing = report.runs.length === 1 && report.runs[0]?.problems[0]?.kind === 'not_found';
      if (query.string('run') !== undefined && missing) {
        throw createError(404, report.runs[0]?.problems[0]?.message ?? 'no such run', { expose: true });
      }
      return json(200, report);
    }
    default:
      throw createError(404, `no route ${event.routeKey}`, { expose: true });
  }
}

/** The API Lambda. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use({
    // Errors marked `expose` (4xx) reach the caller as `{ "message" }`; anything else is a logged 500.
    onError: async (request) => {
      const error = request.error as (Error & { statusCode?: number; expose?: boolean }) | null;
      if (error instanceof InvalidCursorError) {
        request.response = json(400, { message: error.message });
      } else if (error?.expose && error.statusCode && error.statusCode < 500) {
        request.response = json(error.statusCode, { message: error.message });
      } else {
        getDeps().logger.error('api request failed', { error: error?.name, message: error?.message });
        request.response = json(500, { message: 'Internal Server Error' });
      }
    },
  })
  .handler(route);
