/** The SES v2 emulator (aws-ses-v2-local) in this process on a random loopback port, and its store. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

/** One email as the emulator's `GET /store` lists it. */
export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  at: number;
}

/** A running emulator with a real SESv2 client pointed at it. */
export interface SesEmulator {
  endpoint: string;
  client: SESv2Client;
  emails(): Promise<StoredEmail[]>;
  stop(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 (port 0 = random). */
export async function startSesEmulator(): Promise<SesEmulator> {
  const mod = (await import('aws-ses-v2-local')) as unknown as {
    default: StartServer | { default: StartServer };
  };
  // A CommonJS module with an ES default export: depending on the loader it is one level deeper.
  const start = typeof mod.default === 'function' ? mod.default : mod.default.default;
  const server = await start({ host: '127.0.0.1', port: 0 });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SESv2Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    client,
    async emails() {
      const response = await fetch(`${endpoint}/store`);
      return ((await response.json()) as { emails: StoredEmail[] }).emails;
    },
    stop: () =>
      new Promise<void>((done) => {
        client.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
