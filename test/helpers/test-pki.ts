import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  readonly dir: string;
  /** File paths, as a site file names them. */
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A CA that signed nothing here: trusting it instead of caFile must fail the handshake. */
  readonly otherCaFile: string;
  read(file: string): Promise<Buffer>;
}

/**
 * A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, made with the
 * openssl CLI into `dir`. EC P-256 keys: quick to make on a busy machine.
 */
export async function makeTestPki(dir: string): Promise<TestPki> {
  const f = (name: string): string => path.join(dir, name);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = async (name: string): Promise<void> => {
    await run('openssl', ['req', '-x509', ...key, '-keyout', f(`${name}.key`), '-out', f(`${name}.crt`), '-days', '2', '-subj', `/CN=${name}`]);
  };
  const leaf = async (name: string, ext: string): Promise<void> => {
    await writeFile(f(`${name}.ext`), ext);
    await run('openssl', ['req', ...key, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`]);
    await run('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.crt`), '-days', '2', '-extfile', f(`${name}.ext`)]);
  };
  await Promise.all([ca('ca'), ca('other-ca')]);
  // Node checks the server's name against subjectAltName; an IP needs an IP entry.
  await leaf('server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await leaf('client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caFile: f('ca.crt'),
    serverCertFile: f('server.crt'),
    serverKeyFile: f('server.key'),
    clientCertFile: f('client.crt'),
    clientKeyFile: f('client.key'),
    otherCaFile: f('other-ca.crt'),
    read: (file) => readFile(file),
  };
}
