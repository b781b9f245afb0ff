import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import tls from 'node:tls';
import * as x509 from '@peculiar/x509';

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * The API server's TLS suite order: Go's crypto/tls chooses AES-128-GCM for a client that prefers AES-GCM on a machine
 * with AES instructions, where Node.js (OpenSSL) would choose AES-256-GCM, its own first. Served with
 * honorCipherOrder, so every client meets the suite it would meet on a real cluster: 10 AES rounds per block instead
 * of 14, ~15 % less crypto per forwarded byte (`openssl speed -evp`, 16 KiB blocks).
 */
export const API_SERVER_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  ...tls.DEFAULT_CIPHERS.split(':').filter((c) => c !== 'TLS_AES_128_GCM_SHA256'),
].join(':');

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A throwaway CA and a server certificate for 127.0.0.1 and localhost, made at start. */
export async function generateTls(hosts: string[] = ['127.0.0.1', 'localhost']): Promise<TlsMaterial> {
  const crypto = webcrypto as never;
  const subtle = webcrypto.subtle;
  const now = Date.now();
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + 365 * 24 * 3600_000);
  const caKeys = await subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: 'CN=kubefwd-sim-ca',
      notBefore,
      notAfter,
      signingAlgorithm: ALG,
      keys: caKeys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    },
    crypto,
  );
  const keys = await subtle.generateKey(ALG, true, ['sign', 'verify']);
  const names = hosts.map((h) => ({
    type: /^[\d.]+$/.test(h) || h.includes(':') ? ('ip' as const) : ('dns' as const),
    value: h,
  }));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: '02',
      subject: 'CN=kubefwd-sim',
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.SubjectAlternativeNameExtension(names),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    },
    crypto,
  );
  return {
    caPem: ca.toString('pem'),
    certPem: cert.toString('pem'),
    keyPem: pem('PRIVATE KEY', await subtle.exportKey('pkcs8', keys.privateKey)),
  };
}
