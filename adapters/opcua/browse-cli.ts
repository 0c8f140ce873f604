#!/usr/bin/env node
/**
 * `npm run opcua-browse -- opc.tcp://HOST:PORT [--mode M --policy P] [--user NAME] [--only TEXT] [--snippet]`:
 * lists the variables of an OPC UA server (node id, browse path, data type, current value) so an
 * operator can write the site file's points; `--snippet` prints the chosen ones as a site-file source.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as OpcuaSdk from 'node-opcua-client';
import type { ClientSession, ReferenceDescription } from 'node-opcua-client';
import { createRootLogger } from '../../core/log.js';
import { OpcuaSource } from './config.js';
import { routeSdkLogs } from './sdk-log.js';

export interface BrowsedVariable {
  readonly nodeId: string;
  readonly browsePath: string;
  readonly dataType: string;
  readonly value: unknown;
}

export interface BrowseOptions {
  readonly maxDepth?: number;
  readonly maxNodes?: number;
  /** As the site file's source names them; default None/None. */
  readonly securityMode?: 'None' | 'Sign' | 'SignAndEncrypt';
  readonly securityPolicy?: 'None' | 'Basic256Sha256' | 'Aes128_Sha256_RsaOaep' | 'Aes256_Sha256_RsaPss';
  readonly user?: { readonly name: string; readonly password: string };
  /** Where the client certificate lives (as the gateway's `{dataDir}/pki`, so a server trusts one certificate). */
  readonly pkiDir?: string;
}

/** Walks the Objects folder (depth-bounded) and reads every variable found. */
export async function browseVariables(endpoint: string, opts: BrowseOptions = {}): Promise<BrowsedVariable[]> {
  const sdk = await import('node-opcua-client');
  const mode = opts.securityMode ?? 'None';
  const policy = opts.securityPolicy ?? 'None';
  const secure = mode !== 'None';
  const clientCertificateManager = secure ? new (await import('node-opcua-certificate-manager')).OPCUACertificateManager({ rootFolder: opts.pkiDir ?? path.resolve('data/pki'), automaticallyAcceptUnknownCertificate: true }) : undefined;
  const client = sdk.OPCUAClient.create({
    applicationName: 'building-fault-gateway',
    endpointMustExist: false,
    securityMode: sdk.MessageSecurityMode[mode],
    securityPolicy: sdk.SecurityPolicy[policy],
    ...(clientCertificateManager === undefined ? {} : { clientCertificateManager }),
    connectionStrategy: { maxRetry: 1, initialDelay: 200, maxDelay: 1000 },
  });
  await client.connect(endpoint);
  try {
    const session = await client.createSession(opts.user === undefined ? { type: sdk.UserTokenType.Anonymous } : { type: sdk.UserTokenType.UserName, userName: opts.user.name, password: opts.user.password });
    try {
      const found: { nodeId: string; path: string }[] = [];
      const seen = new Set<string>();
      const walk = async (nodeId: string, p: string, depth: number): Promise<void> => {
        if (depth > (opts.maxDepth ?? 6) || found.length >= (opts.maxNodes ?? 5000)) return;
        const result = await session.browse({ nodeId, browseDirection: sdk.BrowseDirection.Forward, referenceTypeId: 'HierarchicalReferences', includeSubtypes: true, resultMask: 63 });
        for (const ref of (result.references ?? []) as ReferenceDescription[]) {
          const id = ref.nodeId.toString();
          if (seen.has(id) || id.startsWith('ns=0;')) continue;
          seen.add(id);
          const child = `${p}/${ref.browseName.name ?? ''}`;
          if (ref.nodeClass === sdk.NodeClass.Variable) found.push({ nodeId: id, path: child });
          await walk(id, child, depth + 1);
        }
      };
      await walk('ns=0;i=85', '/Objects', 0);
      return await readAll(sdk, session, found);
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
  }
}

async function readAll(sdk: typeof OpcuaSdk, session: ClientSession, found: { nodeId: string; path: string }[]): Promise<BrowsedVariable[]> {
  if (found.length === 0) return [];
  const values = await session.read(found.map((f) => ({ nodeId: f.nodeId, attributeId: sdk.AttributeIds.Value })));
  return found.map((f, i) => {
    const dv = values[i];
    return { nodeId: f.nodeId, browsePath: f.path, dataType: dv?.value ? sdk.DataType[dv.value.dataType] : 'Null', value: dv?.value?.value ?? null };
  });
}

/**
 * The chosen variables as a site file's OPC UA source: point ids from the last browse name in
 * lowerCamelCase (`CarPosition` -> `carPosition`), made unique; the password named by its
 * variable, never written. The result passes the site schema's source check.
 */
export function sourceSnippet(endpoint: string, vars: readonly BrowsedVariable[], o: Pick<BrowseOptions, 'securityMode' | 'securityPolicy'> & { user?: string; passwordEnv?: string }): Record<string, unknown> {
  const used = new Set<string>();
  const points = vars.map((v) => {
    const last = v.browsePath.split('/').at(-1) ?? 'point';
    const words = last.replace(/[^A-Za-z0-9]+/g, ' ').trim();
    let id = (words === '' ? 'point' : words.split(' ').map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('')).slice(0, 60);
    if (!/^[A-Za-z0-9]/.test(id)) id = `p${id}`;
    let unique = id;
    for (let n = 2; used.has(unique); n++) unique = `${id}${n}`;
    used.add(unique);
    return { id: unique, nodeId: v.nodeId };
  });
  return {
    protocol: 'opcua',
    endpoint,
    securityMode: o.securityMode ?? 'None',
    securityPolicy: o.securityPolicy ?? 'None',
    ...(o.user === undefined ? {} : { username: o.user, password: { env: o.passwordEnv ?? 'OPCUA_PASSWORD' } }),
    points,
  };
}

const MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
const POLICIES = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      mode: { type: 'string', default: 'None' },
      policy: { type: 'string' },
      user: { type: 'string' },
      'password-env': { type: 'string', default: 'OPCUA_PASSWORD' },
      pki: { type: 'string' },
      only: { type: 'string', multiple: true },
      snippet: { type: 'boolean', default: false },
    },
  });
  const endpoint = positionals[0];
  const mode = MODES.find((m) => m === values.mode);
  const policy = POLICIES.find((p) => p === (values.policy ?? (values.mode === 'None' ? 'None' : 'Basic256Sha256')));
  const passwordEnv = values['password-env'];
  const password = process.env[passwordEnv];
  const problems = [
    endpoint?.startsWith('opc.tcp://') === true ? null : 'an opc.tcp:// endpoint',
    mode === undefined ? `--mode ${MODES.join('|')}` : null,
    policy === undefined ? `--policy ${POLICIES.join('|')}` : null,
    mode !== undefined && policy !== undefined && (mode === 'None') !== (policy === 'None') ? '--policy None exactly with --mode None' : null,
    values.user !== undefined && (password ?? '') === '' ? `the password of --user in the environment variable ${passwordEnv} (never on the command line)` : null,
  ].filter((p) => p !== null);
  if (problems.length > 0 || endpoint === undefined || mode === undefined || policy === undefined) {
    process.stderr.write(
      `usage: npm run opcua-browse -- opc.tcp://HOST:PORT[/path] [--mode None|Sign|SignAndEncrypt] [--policy Basic256Sha256|...] [--user NAME] [--password-env VAR] [--pki DIR] [--only TEXT]... [--snippet]\nexpected: ${problems.join('; ')}\n`,
    );
    return 2;
  }
  // The SDK's own console warnings go to stderr as JSON lines, apart from what this prints.
  routeSdkLogs(await import('node-opcua-client'), createRootLogger({ level: 'warn', destination: process.stderr }));
  try {
    const all = await browseVariables(endpoint, {
      securityMode: mode,
      securityPolicy: policy,
      ...(values.user === undefined || password === undefined ? {} : { user: { name: values.user, password } }),
      ...(values.pki === undefined ? {} : { pkiDir: path.resolve(values.pki) }),
    });
    const only = values.only ?? [];
    const vars = only.length === 0 ? all : all.filter((v) => only.some((o) => v.browsePath.includes(o) || v.nodeId.includes(o)));
    if (values.snippet) {
      const source = sourceSnippet(endpoint, vars, { securityMode: mode, securityPolicy: policy, ...(values.user === undefined ? {} : { user: values.user, passwordEnv }) });
      const check = OpcuaSource.safeParse(source);
      if (!check.success) throw new Error(`the snippet would not pass the site schema: ${check.error.issues.map((i) => i.message).join('; ')}`);
      process.stdout.write(`${JSON.stringify({ source }, null, 2)}\n`);
      return 0;
    }
    for (const v of vars) process.stdout.write(`${v.nodeId.padEnd(36)} ${v.browsePath.padEnd(40)} ${v.dataType.padEnd(10)} ${JSON.stringify(v.value)}\n`);
    process.stdout.write(`${vars.length} variables${vars.length === all.length ? '' : ` of ${all.length}`}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`cannot browse ${endpoint}: ${(err as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1]?.endsWith('browse-cli.js') === true) process.exitCode = await main(process.argv.slice(2));
