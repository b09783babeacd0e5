/**
 * Dynalite in a child process, so a benchmark measures the handler rather than the handler and
 * the emulator fighting for one event loop. Same tables and clients as the tests' dynalite.
 */
import { spawn } from 'node:child_process';
import { connectDynalite, type Dynalite } from '../test/support/dynalite.ts';

const SCRIPT = `import dynalite from 'dynalite';
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

/** Starts dynalite in a child process on a random loopback port and creates signoff's tables. */
export async function startDynaliteProcess(): Promise<Dynalite> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return connectDynalite(`http://127.0.0.1:${port}`, async () => {
    child.removeAllListeners('exit');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
  });
}
