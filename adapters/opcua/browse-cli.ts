#!/usr/bin/env node
/**
 * `npm run opcua-browse -- opc.tcp://HOST:PORT`: lists the variables of an OPC UA server (node id,
 * browse path, data type, current value) so an operator can write the site file's points.
 */
import type * as OpcuaSdk from 'node-opcua-client';
import type { ClientSession, ReferenceDescription } from 'node-opcua-client';

export interface BrowsedVariable {
  readonly nodeId: string;
  readonly browsePath: string;
  readonly dataType: string;
  readonly value: unknown;
}

/** Walks the Objects folder (depth-bounded) and reads every variable found. */
export async function browseVariables(endpoint: string, opts: { maxDepth?: number; maxNodes?: number } = {}): Promise<BrowsedVariable[]> {
  const sdk = await import('node-opcua-client');
  const client = sdk.OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 1, initialDelay: 200, maxDelay: 1000 } });
  await client.connect(endpoint);
  try {
    const session = await client.createSession();
    try {
      const found: { nodeId: string; path: string }[] = [];
      const seen = new Set<string>();
      const walk = async (nodeId: string, path: string, depth: number): Promise<void> => {
        if (depth > (opts.maxDepth ?? 6) || found.length >= (opts.maxNodes ?? 5000)) return;
        const result = await session.browse({ nodeId, browseDirection: sdk.BrowseDirection.Forward, referenceTypeId: 'HierarchicalReferences', includeSubtypes: true, resultMask: 63 });
        for (const ref of (result.references ?? []) as ReferenceDescription[]) {
          const id = ref.nodeId.toString();
          if (seen.has(id) || id.startsWith('ns=0;')) continue;
          seen.add(id);
          const p = `${path}/${ref.browseName.name ?? ''}`;
          if (ref.nodeClass === sdk.NodeClass.Variable) found.push({ nodeId: id, path: p });
          await walk(id, p, depth + 1);
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

const isMain = process.argv[1]?.endsWith('browse-cli.js') === true;
if (isMain) {
  const endpoint = process.argv[2];
  if (endpoint === undefined || !endpoint.startsWith('opc.tcp://')) {
    process.stderr.write('usage: npm run opcua-browse -- opc.tcp://HOST:PORT[/path]\n');
    process.exitCode = 2;
  } else {
    try {
      const vars = await browseVariables(endpoint);
      for (const v of vars) process.stdout.write(`${v.nodeId.padEnd(36)} ${v.browsePath.padEnd(40)} ${v.dataType.padEnd(10)} ${JSON.stringify(v.value)}\n`);
      process.stdout.write(`${vars.length} variables\n`);
    } catch (err) {
      process.stderr.write(`cannot browse ${endpoint}: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}
