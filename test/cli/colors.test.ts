// Colour decisions need a TTY, which a child process's pipe is not: drive main() in-process
// with a stdout that says it is a terminal.
import type * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { ANSI, check, fleetFor, tempDir, writeFleet } from './helpers.js';

let server: StartedHttpServer;
let tmp: ReturnType<typeof tempDir>;
let config: string;

beforeAll(async () => {
  tmp = tempDir();
  server = await startHttpServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(req.url === '/ok' ? 200 : 503, { 'content-type': 'application/json' });
    res.end('{}');
  });
  config = writeFleet(
    tmp.dir,
    fleetFor(server.url, [
      check('up', { url: '/ok', assertions: [{ type: 'status', equals: 200 }] }),
      check('down', { url: '/down', assertions: [{ type: 'status', equals: 200 }] }),
    ]),
  );
});

afterAll(async () => {
  await server.close();
  tmp.remove();
});

async function run(isTTY: boolean, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(['test', '--config', config, '--request-log', 'requests.jsonl'], {
    stdout: { write: (t: string) => (out += t), isTTY },
    stderr: { write: () => true },
    env,
    cwd: tmp.dir,
    signal: new AbortController().signal,
  });
  return { code, out };
}

describe('probe-fleet test colours', () => {
  const cases: { name: string; isTTY: boolean; env: NodeJS.ProcessEnv; ansi: boolean }[] = [
    { name: 'a terminal gets colours', isTTY: true, env: {}, ansi: true },
    { name: 'NO_COLOR turns them off on a terminal', isTTY: true, env: { NO_COLOR: '1' }, ansi: false },
    { name: 'a pipe gets none', isTTY: false, env: {}, ansi: false },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { code, out } = await run(c.isTTY, c.env);
      expect(code).toBe(1);
      expect(out.replace(/\u001b\[[0-9;]*m/g, '')).toContain('✗ down [local]');
      expect(ANSI.test(out)).toBe(c.ansi);
    });
  }
});
