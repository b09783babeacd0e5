/**
 * BuildLogReader on CloudWatch Logs, where CodeBuild writes each build's log: the project's log
 * group (infra/constructs/build-projects.ts), one stream per build named after the build id's
 * UUID part (the project sets no stream prefix; CodeBuild API Reference, LogsLocation.streamName).
 *
 * GetLogEvents (CloudWatch Logs API Reference): `startFromHead: true`, or the newest events come
 * first; a page holds at most 10,000 events or 1 MB; `nextForwardToken` continues, and at the end
 * of the stream it is the same token that was passed in; a missing group or stream answers
 * ResourceNotFoundException. A position is a `nextForwardToken`.
 */
import {
  type CloudWatchLogsClient,
  GetLogEventsCommand,
  InvalidParameterException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { InvalidLogCursorError } from '../core/logs/log-errors.ts';
import type { BuildLogPage, BuildLogReader } from '../core/ports.ts';

/** GetLogEvents' largest `limit`. */
const MAX_EVENTS = 10_000;

/** Reads build logs from CloudWatch Logs; `groups` maps each CodeBuild project name to its log group. */
export class CloudWatchBuildLogReader implements BuildLogReader {
  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly groups: Record<string, string>,
  ) {}

  async read(
    buildId: string,
    position: string | undefined,
    limit: number,
  ): Promise<BuildLogPage | undefined> {
    const colon = buildId.lastIndexOf(':');
    const group = this.groups[buildId.slice(0, colon)];
    const stream = buildId.slice(colon + 1);
    if (colon < 1 || !group || !/^[A-Za-z0-9-]{1,64}$/.test(stream)) return undefined;
    if (position !== undefined && !/^[A-Za-z0-9/_+=-]{1,512}$/.test(position)) {
      throw new InvalidLogCursorError('the log position is not a CloudWatch Logs token');
    }
    try {
      const out = await this.client.send(
        new GetLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          startFromHead: true,
          limit: Math.min(Math.max(1, limit), MAX_EVENTS),
          ...(position ? { nextToken: position } : {}),
        }),
      );
      // CodeBuild writes one event per line of output, each ending in a newline.
      const lines = (out.events ?? []).map((event) => (event.message ?? '').replace(/\r?\n$/, ''));
      return { lines, next: out.nextForwardToken ?? position ?? '' };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      if (error instanceof InvalidParameterException) {
        throw new InvalidLogCursorError('the log position is not valid for this log', { cause: error });
      }
      throw error;
    }
  }
}
