// A secret holding every printable ASCII character, echoed back by the service in every
// rendering a real service uses — JSON (escaped once, and JSON inside JSON inside JSON), XML,
// URL- and form-encoded, base64 — must not come out of any report: list, json and junit
// from `test`, verify's output, its --record file, nor the request log.
import { readFileSync } from 'node:fs';
import type * as http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifyCommand } from '../../lib/cli/commands/verify.js';
import { testCommand } from '../../lib/cli/commands/test.js';
import type { Check } from '../../lib/model/fleet.js';
import { Redactor } from '../../lib/secrets/secrets.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { captureIO, fleet, tempDir, writeFleet } from '../release/helpers.js';

/** Every printable ASCII character, space to tilde. */
const SECRET = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const ENV = { PROBE_SECRET_ECHO_PASSWORD: SECRET };

const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const jsonText = (text: string): string => JSON.stringify(text).slice(1, -1);
const base64 = (text: string): string => Buffer.from(text).toString('base64');

/** What the service sends back for each path, given the secret it received. */
const RENDERINGS: Record<string, (secret: string) => { type: string; body: string }> = {
  json: (s) => ({ type: 'application/json', body: JSON.stringify({ token: s }) }),
  'json-in-json-in-json': (s) => ({ type: 'application/json', body: JSON.stringify({ outer: JSON.stringify({ inner: JSON.stringify({ token: s }) }) }) }),
  xml: (s) => ({ type: 'application/xml', body: `<session><token>${xml(s)}</token><user name="${xml(s)}"/></session>` }),
  'xml-in-json': (s) => ({ type: 'application/json', body: JSON.stringify({ soap: `<token>${xml(s)}</token>` }) }),
  'url-encoded': (s) => ({ type: 'application/x-www-form-urlencoded', body: `token=${encodeURIComponent(s)}&${new URLSearchParams({ form: s }).toString()}` }),
  'json-in-url': (s) => ({ type: 'text/plain', body: `next=/cb?state=${encodeURIComponent(JSON.stringify({ token: s }))}` }),
  base64: (s) => ({ type: 'application/json', body: JSON.stringify({ token: base64(s), basic: base64(`probe-user:${s}`), jwtish: base64(JSON.stringify({ pw: s })) }) }),
  'unicode-escaped-json': (s) => ({ type: 'application/json', body: JSON.stringify({ token: s }).replace(/[<>&'"]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) }),
};

/** Text that survives JSON, XML and URL encoding unchanged: its presence means the secret got out. */
const INVARIANT_RUNS = ['0123456789', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'];

/** Every rendering of the secret that base64 would hide the runs in. */
function base64Leaks(): string[] {
  const forms = [SECRET, jsonText(SECRET), `probe-user:${SECRET}`, JSON.stringify({ pw: SECRET })].map(base64);
  // The middle of each (alignment-independent enough to catch a partial leak).
  return forms.map((form) => form.slice(8, 40));
}

function expectNoLeak(where: string, text: string): void {
  for (const run of INVARIANT_RUNS) expect(text.includes(run), `${where} contains ${run}`).toBe(false);
  for (const leak of base64Leaks()) expect(text.includes(leak), `${where} contains base64 ${leak}`).toBe(false);
}

let server: StartedHttpServer;
let tmp: ReturnType<typeof tempDir>;
let config: string;
const received: string[] = [];

beforeAll(async () => {
  tmp = tempDir();
  server = await startHttpServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    const secret = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    received.push(secret);
    const render = RENDERINGS[(req.url ?? '/').slice(1)];
    if (!render) {
      res.writeHead(404).end();
      return;
    }
    const { type, body } = render(secret);
    res.writeHead(200, { 'content-type': type }).end(body);
  });
  const checks: Check[] = Object.keys(RENDERINGS).map((name) => ({
    kind: 'http',
    id: `echo-${name}`,
    name: `Echo ${name}`,
    service: 'shop',
    owner: 'team-shop',
    runbook: `https://runbooks.example.com/${name}`,
    rollbackNote: 'roll back shop',
    expect: 'the token is not echoed',
    severity: 'critical',
    tags: ['smoke'],
    url: `/${name}`,
    auth: { bearer: { $secret: 'echo-password' } },
    // Fail on purpose, so that every report quotes the body: as an excerpt, as a JSON value,
    // and as the parser's complaint about a body that is not JSON.
    assertions: [
      { type: 'body', contains: 'no-such-text' },
      { type: 'json', path: '$.token', equals: 'something else' },
    ],
  }));
  config = writeFleet(tmp.dir, fleet({ staging: server.url }, checks));
});

afterAll(async () => {
  await server.close();
  tmp.remove();
});

describe('a secret of every printable ASCII character echoed back in every rendering', () => {
  it('the service really received (and echoed) the secret', async () => {
    const io = captureIO(tmp.dir, ENV);
    await testCommand.run(['--config', config, '--env', 'staging', '--reporter', 'json', '--request-log', join(tmp.dir, 'probe.jsonl')], io);
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((s) => s === SECRET)).toBe(true);
  });

  for (const reporter of ['list', 'json', 'junit'] as const) {
    it(`never appears in the ${reporter} report of \`test\`, on stdout or in --output, nor in the request log`, async () => {
      const output = join(tmp.dir, `report-${reporter}.out`);
      const requestLog = join(tmp.dir, `requests-${reporter}.jsonl`);
      const io = captureIO(tmp.dir, ENV);
      const code = await testCommand.run(['--config', config, '--env', 'staging', '--reporter', reporter, '--request-log', requestLog], io);
      expect(code).toBe(1);
      expect(io.out()).toContain('[REDACTED]');
      expectNoLeak(`${reporter} stdout`, io.out());
      expectNoLeak(`${reporter} stderr`, io.err());
      const filed = captureIO(tmp.dir, ENV);
      await testCommand.run(['--config', config, '--env', 'staging', '--reporter', reporter, '--output', output, '--request-log', requestLog], filed);
      expectNoLeak(`${reporter} --output`, readFileSync(output, 'utf8'));
      expectNoLeak(`${reporter} progress`, filed.out());
      expectNoLeak('request log', readFileSync(requestLog, 'utf8'));
    });
  }

  it("never appears in verify's output nor in its --record file", async () => {
    const verify = createVerifyCommand({ processStartedAt: () => Date.now() });
    const record = join(tmp.dir, 'audit.jsonl');
    for (const reporter of ['list', 'json', 'junit']) {
      const io = captureIO(tmp.dir, ENV);
      const code = await verify.run(['--config', config, '--env', 'staging', '--reporter', reporter, '--record', record, '--request-log', join(tmp.dir, 'verify.jsonl')], io);
      expect(code).toBe(1);
      expectNoLeak(`verify ${reporter} stdout`, io.out());
      expectNoLeak(`verify ${reporter} stderr`, io.err());
    }
    const trail = readFileSync(record, 'utf8');
    expect(trail).toContain('[REDACTED]');
    expectNoLeak('--record file', trail);
  });
});

describe('Redactor, one rendering at a time', () => {
  const renderings: Record<string, string> = {
    'as written': SECRET,
    'JSON-escaped': jsonText(SECRET),
    'JSON-escaped twice': jsonText(jsonText(SECRET)),
    'JSON-escaped five times': [1, 2, 3, 4, 5].reduce((text) => jsonText(text), SECRET),
    'JSON with / escaped': jsonText(SECRET).replace(/\//g, '\\/'),
    'JSON with \\u escapes': jsonText(SECRET).replace(/[<>&'"]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`),
    'XML entities': xml(SECRET),
    'XML numeric entities': SECRET.replace(/[^A-Za-z0-9]/g, (c) => `&#${c.charCodeAt(0)};`),
    'XML hex entities': SECRET.replace(/[^A-Za-z0-9]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`),
    'XML escaped twice': xml(xml(SECRET)),
    'JSON inside XML': xml(jsonText(SECRET)),
    'XML inside JSON': jsonText(xml(SECRET)),
    'URL-encoded': encodeURIComponent(SECRET),
    'URL-encoded, lower-case hex': encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    'URL-encoded twice': encodeURIComponent(encodeURIComponent(SECRET)),
    'form-encoded': new URLSearchParams({ a: SECRET }).toString().slice(2),
    'every character percent-encoded': Array.from(SECRET, (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    'JSON inside a URL': encodeURIComponent(jsonText(SECRET)),
    'XML inside a URL': encodeURIComponent(xml(SECRET)),
    base64: base64(SECRET),
    'base64 after a prefix of 1 byte': base64(`:${SECRET}`),
    'base64 after a prefix of 2 bytes': base64(`u:${SECRET}`),
    'base64url, unpadded': base64(`ab${SECRET}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    'base64 of its JSON text': base64(`{"pw":"${jsonText(SECRET)}"}`),
  };
  for (const [name, rendered] of Object.entries(renderings)) {
    it(`masks it ${name}`, () => {
      const redactor = new Redactor();
      redactor.add(SECRET);
      const out = redactor.redact(`before ${rendered} after`);
      expect(out).toContain('[REDACTED]');
      expect(out.startsWith('before ')).toBe(true);
      expect(out.endsWith(' after')).toBe(true);
      expectNoLeak(name, out);
    });
  }

  it('leaves ordinary text alone', () => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const text = 'status: expected 200, got 401 — {"error":"unauthorised","hint":"a\\\\b &amp; c%20d"}';
    expect(redactor.redact(text)).toBe(text);
  });

  it('a million backslashes cost linear time, not a hung process', () => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const hostile = `${'\\'.repeat(1_000_000)}x`;
    // No timing assertion: the test would not finish at all with a quadratic pattern.
    expect(redactor.redact(hostile)).toBe(hostile);
  });

  it('a body that is mostly secrets shows no part of the one the excerpt cuts', () => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const body = JSON.stringify({ tokens: Array.from({ length: 40 }, () => SECRET) });
    expectNoLeak('excerpt source', redactor.redact(body));
  });
});
