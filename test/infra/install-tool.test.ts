/**
 * infra/install-tool.sh against a loopback server that serves a release zip made here: the right
 * checksum installs a tool that runs, a wrong one installs nothing and says why.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../support/examples.ts';

const SCRIPT = join(projectRoot, 'infra', 'install-tool.sh');
// By path: one test gives the script a PATH without bash on it.
const BASH = execFileSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim();
// A version no machine has, so the script never finds it already installed.
const VERSION = '0.0.1-test';
const PLATFORM = arch() === 'arm64' ? 'linux_arm64' : 'linux_amd64';
const ZIP_PATH = `/terraform/${VERSION}/terraform_${VERSION}_${PLATFORM}.zip`;

let dir: string;
let zip: Buffer;
let checksum: string;
let server: Server;
let mirror: string;
const requests: string[] = [];

/** A release zip like HashiCorp's: the binary (here a script) at the root, with a licence beside it. */
function makeReleaseZip(into: string): Buffer {
  const files = join(into, 'files');
  mkdirSync(files);
  writeFileSync(
    join(files, 'terraform'),
    `#!/bin/sh\necho "Terraform v${VERSION}"\necho "on ${PLATFORM}"\n`,
    {
      mode: 0o755,
    },
  );
  writeFileSync(join(files, 'LICENSE.txt'), 'test licence\n');
  const out = join(into, 'release.zip');
  execFileSync('python3', [
    '-c',
    [
      'import sys, zipfile',
      'with zipfile.ZipFile(sys.argv[1], "w") as z:',
      '    for name in sys.argv[3:]:',
      '        z.write(sys.argv[2] + "/" + name, name)',
    ].join('\n'),
    out,
    files,
    'terraform',
    'LICENSE.txt',
  ]);
  return readFileSync(out);
}

/** Runs the script without blocking: the loopback server answers from this same process. */
function run(args: string[], env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(BASH, [SCRIPT, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function install(sha256: string, toolsDir: string, version = VERSION) {
  return run(['terraform', version, sha256], { SIGNOFF_TOOLS_DIR: toolsDir, SIGNOFF_TOOL_MIRROR: mirror });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'signoff-install-tool-'));
  zip = makeReleaseZip(dir);
  checksum = createHash('sha256').update(zip).digest('hex');
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === ZIP_PATH) res.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
});

describe('install-tool.sh', async () => {
  it('installs the tool when the zip has the pinned checksum, and the tool runs', async () => {
    const tools = join(dir, 'right');
    const result = await install(checksum, tools);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`has the pinned SHA-256 ${checksum}`);
    expect(execFileSync(join(tools, 'terraform'), ['version'], { encoding: 'utf8' })).toContain(
      `Terraform v${VERSION}`,
    );
  });

  it('refuses a zip whose checksum is not the pinned one, and installs nothing', async () => {
    const tools = join(dir, 'wrong');
    const wrong = createHash('sha256').update('something else').digest('hex');
    const result = await install(wrong, tools);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      `checksum mismatch for terraform ${VERSION} (${PLATFORM}): expected ${wrong}, got ${checksum}; refusing to install`,
    );
    expect(existsSync(join(tools, 'terraform'))).toBe(false);
  });

  it('downloads nothing when that exact version is already installed', async () => {
    const tools = join(dir, 'again');
    expect((await install(checksum, tools)).status).toBe(0);
    const before = requests.length;
    const result = await install(checksum, tools);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('already installed');
    expect(requests.length).toBe(before);
  });

  it('unpacks with python3 where the image has no unzip', async () => {
    // A PATH with only what the script needs, and python3 instead of unzip.
    const bin = join(dir, 'no-unzip-bin');
    mkdirSync(bin);
    const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
    }).trim();
    symlinkSync(python, join(bin, 'python3'));
    for (const tool of ['uname', 'mktemp', 'rm', 'curl', 'sha256sum', 'cut', 'mkdir', 'install', 'mv']) {
      const found = execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      symlinkSync(found, join(bin, tool));
    }
    const tools = join(dir, 'python');
    const result = await run(['terraform', VERSION, checksum], {
      PATH: bin,
      SIGNOFF_TOOLS_DIR: tools,
      SIGNOFF_TOOL_MIRROR: mirror,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readFileSync(join(tools, 'terraform'), 'utf8')).toContain(`Terraform v${VERSION}`);
  });

  it('fails clearly when the release cannot be downloaded', async () => {
    const result = await install(checksum, join(dir, 'missing'), '0.0.2-test');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('cannot download terraform 0.0.2-test');
  });

  it('refuses a checksum that is not a SHA-256 and a tool it does not know', async () => {
    expect((await install('abc', join(dir, 'bad'))).stderr).toContain('is not a SHA-256');
    const other = await run(['pulumi', '1.0.0', checksum], { SIGNOFF_TOOLS_DIR: join(dir, 'bad') });
    expect(other.status).not.toBe(0);
    expect(other.stderr).toContain('unknown tool pulumi');
  });
});
