import { describe, expect, it } from 'vitest';
import { main } from '../lib/cli/main.js';

function io() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      env: {},
      cwd: process.cwd(),
      signal: new AbortController().signal,
    },
    out: () => out,
    err: () => err,
  };
}

describe('probe-fleet command dispatch', () => {
  it('lists the commands with --help and exits 0', async () => {
    const t = io();
    expect(await main(['--help'], t.io)).toBe(0);
    expect(t.out()).toContain('Commands:');
    expect(t.out()).toContain('test');
  });

  it('rejects an unknown command with exit 2 and names the choices', async () => {
    const t = io();
    expect(await main(['frobnicate'], t.io)).toBe(2);
    expect(t.err()).toContain("unknown command 'frobnicate'");
  });

  it('prints the package version', async () => {
    const t = io();
    expect(await main(['--version'], t.io)).toBe(0);
    expect(t.out().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
