import { describe, it, expect } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { createCa, issueCert, selfSignedCert } from '../../demo/certificates.js';
import { startHttpsServer } from '../support/servers.js';
import * as https from 'node:https';

describe('demo certificates', () => {
  it('issues a leaf for DNS names and IPs signed by the CA', async () => {
    const ca = await createCa();
    const leaf = await issueCert(ca, { hosts: ['*.example.test', '127.0.0.1'] });
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.subjectAltName).toContain('DNS:*.example.test');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
  });

  it('serves TLS that a client trusting the CA accepts', async () => {
    const ca = await createCa();
    const leaf = await issueCert(ca, { hosts: ['127.0.0.1'] });
    const server = await startHttpsServer((_req, res) => res.end('hi'), leaf);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        https.get(server.url, { ca: ca.certPem }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(body).toBe('hi');
    } finally {
      await server.close();
    }
  });

  it('makes self-signed certificates with a chosen expiry', async () => {
    const notAfter = new Date(Date.now() + 3 * 86_400_000);
    const self = await selfSignedCert({ hosts: ['localhost'], notAfter });
    const cert = new X509Certificate(self.certPem);
    expect(Math.abs(new Date(cert.validTo).getTime() - notAfter.getTime())).toBeLessThan(2000);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
  });
});
