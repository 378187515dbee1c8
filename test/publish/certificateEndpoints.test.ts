import { describe, it, expect } from 'vitest';
import { certificateEndpoints, endpointName } from '../../lib/publish/cloudwatch/certificateEndpoints.js';
import type { Check, Fleet } from '../../lib/model/fleet.js';
import { secret } from '../../lib/model/defineFleet.js';

const common = { id: 'c', name: 'c', service: 's', owner: 'o', runbook: 'https://r', rollbackNote: 'n', expect: 'e', severity: 'critical' } as const;
const fleet: Pick<Fleet, 'environments'> = {
  environments: {
    prod: { baseUrl: 'https://API.Example.com/v1', variables: { tenant: 'acme', token: secret('t') } },
    alt: { baseUrl: 'https://alt.example.com:8443' },
    plain: { baseUrl: 'http://plain.example.com' },
  },
};

describe('certificateEndpoints', () => {
  const scenarios: { name: string; check: Check; environment: string; expected: string[] }[] = [
    { name: 'a path under an https base: the base host, lower case, port 443', check: { ...common, kind: 'http', url: '/health' }, environment: 'prod', expected: ['api.example.com:443'] },
    { name: 'an explicit port in the base URL', check: { ...common, kind: 'http', url: '/health' }, environment: 'alt', expected: ['alt.example.com:8443'] },
    { name: 'a plain http base sees no certificate', check: { ...common, kind: 'http', url: '/health' }, environment: 'plain', expected: [] },
    { name: 'an absolute https URL wins over the base', check: { ...common, kind: 'http', url: 'https://Auth.example.com:9443/token' }, environment: 'plain', expected: ['auth.example.com:9443'] },
    { name: 'a placeholder filled from a plain variable', check: { ...common, kind: 'http', url: 'https://{{tenant}}.example.com/' }, environment: 'prod', expected: ['acme.example.com:443'] },
    { name: 'a host behind a secret is unknown before the run', check: { ...common, kind: 'http', url: 'https://{{token}}.example.com/' }, environment: 'prod', expected: [] },
    {
      name: 'a flow: every distinct https endpoint of its steps, in order',
      check: { ...common, kind: 'flow', steps: [{ name: 'a', url: '/login' }, { name: 'b', url: 'https://pay.example.com/x' }, { name: 'c', url: '/me' }, { name: 'd', url: 'http://plain.example.com/' }] },
      environment: 'prod',
      expected: ['api.example.com:443', 'pay.example.com:443'],
    },
    { name: 'a tls check defaults to the base host and port', check: { ...common, kind: 'tls' }, environment: 'alt', expected: ['alt.example.com:8443'] },
    { name: 'a tls check with its own host and port', check: { ...common, kind: 'tls', host: 'Mail.Example.com', port: 993 }, environment: 'prod', expected: ['mail.example.com:993'] },
    { name: 'dns and tcp checks see no certificate', check: { ...common, kind: 'tcp', port: 443 }, environment: 'prod', expected: [] },
    { name: 'an unknown environment gives none', check: { ...common, kind: 'http', url: '/health' }, environment: 'nope', expected: [] },
  ];
  for (const scenario of scenarios) {
    it(scenario.name, () => {
      expect(certificateEndpoints(fleet, scenario.check, scenario.environment)).toEqual(scenario.expected);
    });
  }

  it('writes IPv6 hosts in brackets', () => {
    expect(endpointName('[::1]', 8443)).toBe('[::1]:8443');
    expect(endpointName('FE80::1', 443)).toBe('[fe80::1]:443');
  });
});
