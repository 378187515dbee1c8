// connect_timeout from a real listener on 127.0.0.1: a socket that listens but never
// accepts, with its accept queue already full, makes the kernel drop further SYNs — the
// client's connect hangs exactly as it does against a firewall that drops packets.
// Node accepts every connection itself, so the listener is a small python3 process.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../lib/runner/runCheck.js';
import { fleetOf, httpCheck, optionsFor } from './helpers.js';

const LISTENER = [
  'import socket, sys, time',
  's = socket.socket()',
  "s.bind(('127.0.0.1', 0))",
  's.listen(0)',
  'print(s.getsockname()[1], flush=True)',
  'time.sleep(60)',
].join('\n');

let listener: ChildProcessWithoutNullStreams;
let port = 0;
const fillers: net.Socket[] = [];

beforeAll(async () => {
  listener = spawn('python3', ['-c', LISTENER]);
  port = await new Promise<number>((resolve, reject) => {
    listener.once('error', reject);
    listener.stdout.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
  });
  // Fill the accept queue (backlog 0 holds one or two on Linux) so the next SYN is dropped.
  for (let i = 0; i < 4; i++) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    fillers.push(socket);
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(() => {
  for (const socket of fillers) socket.destroy();
  listener.kill();
});

describe('a connection that is never established', () => {
  it('is classified connect_timeout, retry-safe, and returned within the timeout + 250 ms', async () => {
    const timeoutMs = 500;
    const check = httpCheck(`http://127.0.0.1:${port}/`, { timeoutMs, retries: 0 });
    const started = performance.now();
    const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleetOf([check])));
    const elapsed = performance.now() - started;
    expect(result.ok).toBe(false);
    expect(result.failure?.kind).toBe('connect_timeout');
    expect(result.failure?.retryable).toBe(true);
    expect(result.status).toBeNull();
    expect(elapsed).toBeLessThan(timeoutMs + 250);
  });
});
