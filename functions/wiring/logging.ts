/** The Powertools logger every function logs through, and the use cases' LogPort over it. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '../config.ts';
import type { LogPort } from '../core/ports.ts';

export interface Logging {
  logger: Logger;
  log: LogPort;
}

/** The logger (a caller's, or one named after the service) and the LogPort that writes to it. */
export function createLogging(config: Pick<Config, 'serviceName'>, logger?: Logger): Logging {
  const writer = logger ?? new Logger({ serviceName: config.serviceName });
  return {
    logger: writer,
    log: {
      info: (message, extra) => writer.info(message, extra ?? {}),
      warn: (message, extra) => writer.warn(message, extra ?? {}),
      error: (message, extra) => writer.error(message, extra ?? {}),
    },
  };
}
