/** Starts the SES emulator (aws-ses-v2-local) with its web inbox, on loopback only. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

/** Starts the emulator on 127.0.0.1:`port` (0 = random); returns its URL and a stop function. */
export async function startSesInbox(
  port: number,
): Promise<{ url: string; server: Server; stop: () => Promise<void> }> {
  const mod = (await import('aws-ses-v2-local')) as unknown as {
    default: StartServer | { default: StartServer };
  };
  // A CommonJS module with an ES default export: Node puts it one level deeper than TypeScript says.
  const start = typeof mod.default === 'function' ? mod.default : mod.default.default;
  // Its default host is every interface; always pass loopback.
  const server = await start({ host: '127.0.0.1', port });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    server,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
