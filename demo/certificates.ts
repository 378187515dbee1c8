// Certificates for the demo and the tests: a private CA, leaf certificates it issues
// (DNS names, IP addresses, wildcards) and self-signed ones. ECDSA P-256 keeps
// generation in the low milliseconds, so every test can make its own.
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import type * as X509 from '@peculiar/x509';

// @peculiar/x509 pulls in tsyringe, which insists on a Reflect metadata polyfill at
// import time. It only stores and reads constructor parameter types, so a WeakMap
// does the job without another dependency; the library is therefore imported lazily,
// after the polyfill is in place.
type MetadataMap = Map<unknown, unknown>;
const metadata = new WeakMap<object, MetadataMap>();
const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== 'function') {
  const mapOf = (target: object): MetadataMap => {
    let map = metadata.get(target);
    if (!map) metadata.set(target, (map = new Map()));
    return map;
  };
  reflect.defineMetadata = (key: unknown, value: unknown, target: object) => mapOf(target).set(key, value);
  reflect.getMetadata = (key: unknown, target: object): unknown => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const map = metadata.get(t);
      if (map?.has(key)) return map.get(key);
    }
    return undefined;
  };
  reflect.getOwnMetadata = (key: unknown, target: object): unknown => metadata.get(target)?.get(key);
  reflect.hasMetadata = (key: unknown, target: object): boolean => (reflect.getMetadata as (k: unknown, t: object) => unknown)(key, target) !== undefined;
  reflect.metadata = (key: unknown, value: unknown) => (target: object) => {
    mapOf(target).set(key, value);
  };
}

let loaded: Promise<typeof X509> | undefined;
function loadX509(): Promise<typeof X509> {
  loaded ??= import('@peculiar/x509').then((x509) => {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  });
  return loaded;
}

const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;

export interface Ca {
  certPem: string;
  keyPem: string;
  /** Kept for signing; not serialisable. */
  readonly cert: X509.X509Certificate;
  readonly keys: webcrypto.CryptoKeyPair;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

export interface CertOptions {
  /** DNS names (wildcards such as `*.example.test` allowed) and IP addresses. */
  hosts: string[];
  notBefore?: Date;
  notAfter?: Date;
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const x509 = await loadX509();
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function serialNumber(): string {
  // A positive 16-byte serial: the top bit cleared so DER does not read it as negative.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

function subjectAltNames(x509: typeof X509, hosts: string[]): X509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension(
    hosts.map((host) => (isIP(host) ? { type: 'ip' as const, value: host } : { type: 'dns' as const, value: host })),
  );
}

function commonNameOf(hosts: string[]): string {
  return (hosts[0] ?? 'localhost').replace(/[,=+<>#;"\\]/g, '_');
}

export async function createCa(commonName = 'probe-fleet test CA'): Promise<Ca> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 365 * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey), cert, keys };
}

export async function issueCert(ca: Ca, opts: CertOptions): Promise<IssuedCert> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${commonNameOf(opts.hosts)}`,
    issuer: ca.cert.subject,
    notBefore: opts.notBefore ?? new Date(now - DAY_MS),
    notAfter: opts.notAfter ?? new Date(now + 90 * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      subjectAltNames(x509, opts.hosts),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

export async function selfSignedCert(opts: { hosts: string[]; notAfter?: Date }): Promise<IssuedCert> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${commonNameOf(opts.hosts)}`,
    notBefore: new Date(now - DAY_MS),
    notAfter: opts.notAfter ?? new Date(now + 90 * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      subjectAltNames(x509, opts.hosts),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}
