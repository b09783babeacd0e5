import { MAX_PAYLOAD_BYTES } from './execution-views.ts';
import { optionalString, type Request, requiredString } from './requests.ts';
import { SfnError } from './sfn-error.ts';
import { TaskFailure } from './task-failure.ts';
import type { TaskTokenRegistry } from './task-tokens.ts';

/** SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat over the tokens the server issued. */
export function createTaskCallbacks(tokens: TaskTokenRegistry) {
  return {
    /** SendTaskSuccess: the waiting task's result is the parsed `output`. */
    sendTaskSuccess(request: Request): Record<string, never> {
      const attempt = tokens.resolve(requiredString(request, 'taskToken'));
      const output = requiredString(request, 'output');
      if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) {
        throw new SfnError('ValidationException', 'output must be at most 262144 bytes');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(output);
      } catch {
        throw new SfnError('InvalidOutput', 'Invalid Output: output is not valid JSON');
      }
      attempt.succeed(parsed);
      return {};
    },

    /** SendTaskFailure: the waiting task fails with `error` (what a Catch matches) and `cause`. */
    sendTaskFailure(request: Request): Record<string, never> {
      const attempt = tokens.resolve(requiredString(request, 'taskToken'));
      const error = optionalString(request, 'error') ?? '';
      const cause = optionalString(request, 'cause') ?? '';
      attempt.fail(new TaskFailure(error, cause));
      return {};
    },

    /** SendTaskHeartbeat: accepted while the task waits; restarts its HeartbeatSeconds clock. */
    sendTaskHeartbeat(request: Request): Record<string, never> {
      tokens.resolve(requiredString(request, 'taskToken')).heartbeat();
      return {};
    },
  };
}
