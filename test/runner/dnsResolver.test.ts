// The dns check with an explicit `resolver`: a tiny DNS server on 127.0.0.1 answers
// for `localhost` and refuses names under `.invalid` with NXDOMAIN. Nothing leaves the host.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { DnsCheck, DnsRecordType } from '../../lib/model/fleet.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { COMMON, fleetOf, optionsFor } from './helpers.js';

const TYPES: Record<number, DnsRecordType> = { 1: 'A', 28: 'AAAA', 5: 'CNAME', 16: 'TXT', 15: 'MX' };

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.split('.').filter(Boolean).map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)])), Buffer.from([0])]);
}

function rdata(type: DnsRecordType): Buffer {
  switch (type) {
    case 'A':
      return Buffer.from([127, 0, 0, 1]);
    case 'AAAA':
      return Buffer.from([...Array<number>(15).fill(0), 1]);
    case 'CNAME':
      return encodeName('alias.localhost');
    case 'TXT': {
      const text = Buffer.from('v=probe-fleet');
      return Buffer.concat([Buffer.from([text.length]), text]);
    }
    case 'MX':
      return Buffer.concat([Buffer.from([0, 10]), encodeName('mail.localhost')]);
  }
}

/** Answers one question per query; names other than `localhost` are NXDOMAIN. */
function answer(query: Buffer): Buffer {
  let offset = 12;
  const labels: string[] = [];
  while ((query[offset] ?? 0) !== 0) {
    const length = query[offset] ?? 0;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString());
    offset += 1 + length;
  }
  const questionEnd = offset + 5;
  const qtype = query.readUInt16BE(offset + 1);
  const name = labels.join('.').toLowerCase();
  const type = TYPES[qtype];
  const found = name === 'localhost' && type !== undefined;
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8180 | (name === 'localhost' ? 0 : 3), 2); // response, RD+RA, rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(found ? 1 : 0, 6);
  const question = query.subarray(12, questionEnd);
  if (!found) return Buffer.concat([header, question]);
  const data = rdata(type);
  const record = Buffer.alloc(12);
  record.writeUInt16BE(0xc00c, 0); // pointer to the question's name
  record.writeUInt16BE(qtype, 2);
  record.writeUInt16BE(1, 4);
  record.writeUInt32BE(60, 6);
  record.writeUInt16BE(data.length, 10);
  return Buffer.concat([header, question, record, data]);
}

let server: Socket;
let resolver = '';
let queries = 0;

beforeAll(async () => {
  server = createSocket('udp4');
  server.on('message', (message, remote) => {
    queries++;
    server.send(answer(message), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  resolver = `127.0.0.1:${(server.address()).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(resolve));
});

function check(extra: Partial<DnsCheck>): DnsCheck {
  return { ...COMMON, id: 'dns-resolver', kind: 'dns', hostname: 'localhost', recordType: 'A', resolver, timeoutMs: 1000, ...extra };
}

describe('dns with a resolver', () => {
  it.each([
    { recordType: 'A' as const, answer: '127.0.0.1' },
    { recordType: 'AAAA' as const, answer: '::1' },
    { recordType: 'CNAME' as const, answer: 'alias.localhost.' },
    { recordType: 'TXT' as const, answer: 'v=probe-fleet' },
    { recordType: 'MX' as const, answer: '10 mail.localhost' },
  ])('$recordType answers include $answer', async ({ recordType, answer: expected }) => {
    const before = queries;
    const result = await runCheck({ check: check({ recordType, answersInclude: [expected] }), environment: 'prod' }, optionsFor(fleetOf([])) );
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    expect(queries).toBeGreaterThan(before);
  });

  it('NXDOMAIN from the resolver passes expectNxdomain', async () => {
    const result = await runCheck({ check: check({ hostname: 'gone.invalid', expectNxdomain: true }), environment: 'prod' }, optionsFor(fleetOf([])));
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
  });

  it('a resolver that does not answer is a dns failure within the deadline', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const started = performance.now();
      const result = await runCheck(
        { check: check({ resolver: `127.0.0.1:${(silent.address()).port}`, timeoutMs: 400 }), environment: 'prod' },
        optionsFor(fleetOf([])),
      );
      expect(result.failure).toMatchObject({ kind: 'dns', retryable: true });
      expect(performance.now() - started).toBeLessThanOrEqual(400 + 250);
    } finally {
      await new Promise<void>((resolve) => silent.close(resolve));
    }
  });
});
