// The demo fleet: one check of every kind the demo service can serve. `npm run demo` starts
// the service on free ports and passes them in through the DEMO_* environment variables.
import { defineFleet, secret } from 'probe-fleet';

const env = process.env;
const baseUrl = env.DEMO_BASE_URL ?? 'http://127.0.0.1:8080';
const httpsUrl = new URL(env.DEMO_HTTPS_URL ?? 'https://localhost:8443');
const tcpPort = Number(env.DEMO_TCP_PORT ?? '8081');

const team = {
  service: 'demo-shop',
  owner: 'team-storefront (#storefront-oncall)',
  rollbackNote: 'Roll back with `deploy rollback demo-shop`; the previous release is kept warm for 24 h.',
} as const;

export default defineFleet({
  name: 'demo',
  homeRegion: 'eu-west-1',
  regions: ['eu-west-1'],
  defaults: {
    timeoutMs: 5_000,
    retries: { count: 1, backoffMs: 200, onlyOn: 'network' },
    schedule: '1m',
    rateLimit: { requestsPerSecond: 20, burst: 10 },
  },
  environments: {
    local: {
      baseUrl,
      sandbox: false,
      variables: { demoPassword: secret('demo-password') },
      caCertificates: env.DEMO_CA_FILE === undefined ? [] : [{ file: env.DEMO_CA_FILE }],
    },
  },
  forbiddenPaths: ['/payments'],
  versions: { 'demo-shop': { path: '/health', jsonPath: '$.version' } },
  checks: [
    {
      kind: 'http',
      id: 'health',
      name: 'Health endpoint reports ok',
      ...team,
      runbook: 'https://runbooks.example.com/demo-shop/health',
      expect: 'GET /health answers 200 with {"status":"ok"} within 2 s.',
      severity: 'critical',
      tags: ['smoke'],
      url: '/health',
      degradedMs: 500,
      maxMs: 2_000,
      assertions: [
        { type: 'status', equals: 200 },
        { type: 'contentType', equals: 'application/json' },
        { type: 'json', path: '$.status', equals: 'ok' },
        { type: 'json', path: '$.version', isType: 'string' },
      ],
    },
    {
      kind: 'http',
      id: 'login-rejects-wrong-password',
      name: 'Login rejects a wrong password',
      ...team,
      runbook: 'https://runbooks.example.com/demo-shop/login',
      expect: 'POST /auth/token with a wrong password is reachable and answers 401.',
      severity: 'critical',
      tags: ['smoke'],
      method: 'POST',
      url: '/auth/token',
      // Credentials come only from secrets, wrong ones included: the real password with a
      // prefix can never be right, and the redactor still masks the secret part of it.
      body: { json: { username: 'demo-user', password: 'wrong-{{demoPassword}}' } },
      sideEffects: { kind: 'none', reason: 'a failed login writes nothing' },
      assertions: [
        { type: 'status', equals: 401 },
        { type: 'json', path: '$.error', equals: 'invalid_credentials' },
      ],
    },
    {
      kind: 'http',
      id: 'products',
      name: 'Product listing returns JSON',
      ...team,
      runbook: 'https://runbooks.example.com/demo-shop/products',
      expect: 'GET /products?limit=1 answers 200 with a JSON array of one product.',
      severity: 'critical',
      tags: ['smoke'],
      url: '/products',
      query: { limit: 1 },
      assertions: [
        { type: 'status', equals: 200 },
        { type: 'json', path: '$', isType: 'array' },
        { type: 'json', path: '$', length: 1 },
        { type: 'json', path: '$[0].priceCents', gt: 0 },
      ],
    },
    {
      kind: 'flow',
      id: 'sign-in-flow',
      name: 'Test account signs in and reads its profile',
      ...team,
      runbook: 'https://runbooks.example.com/demo-shop/sign-in',
      expect: 'The test account gets a token and GET /me answers 200 with its username.',
      severity: 'critical',
      tags: ['smoke', 'auth'],
      steps: [
        {
          name: 'get token',
          method: 'POST',
          url: '/auth/token',
          body: { form: { username: 'demo-user', password: secret('demo-password') } },
          sideEffects: { kind: 'none', reason: 'issuing a short-lived token for the test account changes no user data' },
          assertions: [{ type: 'status', equals: 200 }],
          extract: { token: { from: 'json', path: '$.access_token' } },
        },
        {
          name: 'read profile',
          url: '/me',
          headers: { authorization: 'Bearer {{token}}' },
          assertions: [
            { type: 'status', equals: 200 },
            { type: 'json', path: '$.username', equals: 'demo-user' },
          ],
        },
      ],
    },
    {
      kind: 'tls',
      id: 'https-certificate',
      name: 'HTTPS certificate is valid and trusted',
      ...team,
      runbook: 'https://runbooks.example.com/demo-shop/certificates',
      expect: 'The HTTPS listener presents a certificate for localhost, trusted via the demo CA, valid for 30+ days.',
      severity: 'warning',
      tags: ['tls'],
      host: httpsUrl.hostname,
      port: Number(httpsUrl.port),
      minDaysRemaining: 30,
      minProtocol: 'TLSv1.2',
    },
    {
      kind: 'dns',
      id: 'dns-localhost',
      name: 'localhost resolves',
      ...team,
      runbook: 'https://runbooks.example.com/demo-shop/dns',
      expect: 'localhost resolves to 127.0.0.1.',
      severity: 'info',
      tags: ['dns'],
      hostname: 'localhost',
      recordType: 'A',
      answersInclude: ['127.0.0.1'],
    },
    {
      kind: 'tcp',
      id: 'banner-port',
      name: 'Banner port answers',
      ...team,
      runbook: 'https://runbooks.example.com/demo-shop/tcp',
      expect: 'The TCP port accepts a connection, greets with its banner and echoes a ping.',
      severity: 'warning',
      tags: ['tcp'],
      host: '127.0.0.1',
      port: tcpPort,
      send: 'ping\n',
      reply: { contains: 'ping' },
    },
  ],
});
