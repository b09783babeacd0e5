/**
 * The local runtime as its own process, for tests that kill it: started with the options in
 * SIGNOFF_TEST_RUNTIME (JSON), it prints `READY <url>` once up and runs until killed.
 */
import { startRuntime } from '../../local/runtime.ts';
import { projectRoot } from './examples.ts';

const options = JSON.parse(process.env.SIGNOFF_TEST_RUNTIME ?? '{}') as {
  root?: string;
  dataDir: string;
  approvalTimeoutSeconds?: number;
  buildWorkers?: number;
};
const runtime = await startRuntime({
  root: projectRoot,
  port: 0,
  inboxPort: 0,
  logLevel: 'SILENT',
  // A test's runs are the ones it starts: no schedule fires by itself.
  scheduleTickMs: 0,
  ...options,
});
process.stdout.write(`READY ${runtime.url}\n`);
process.on('SIGTERM', () => {
  void runtime.stop().then(() => process.exit(0));
});
