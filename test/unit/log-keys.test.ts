import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * pino writes `level`, `time`, `msg`, `pid` and `hostname` itself. A binding or field of the same
 * name is written again on the same line, and every JSON reader (jq, Loki, Elasticsearch, Vector)
 * keeps the last one: an escalation's `level: "supervisor"` once made warn lines read as level
 * "supervisor" and fall out of every severity filter. This walks every log call and child logger
 * of the gateway's sources and refuses those keys.
 */
const PINO_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname']);
const LOG_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'child']);
const ROOTS = ['core', 'gateway', 'adapters', 'cloud-sync'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** The property names an object literal writes, its nested objects not included. */
function keysOf(o: ts.ObjectLiteralExpression): string[] {
  return o.properties.flatMap((p) => {
    if ((ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return [p.name.text];
    return [];
  });
}

interface LogCall {
  readonly where: string;
  readonly keys: string[];
}

/** Every `x.info({...}, ...)`-like call whose first argument is an object literal (a log event), and every `x.child({...})`. */
function logCalls(file: string): LogCall[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: LogCall[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && LOG_METHODS.has(n.expression.name.text)) {
      const first = n.arguments[0];
      if (first !== undefined && ts.isObjectLiteralExpression(first)) {
        const keys = keysOf(first);
        // A log event names itself (`event`); a child logger's bindings are checked whatever they hold.
        if (n.expression.name.text === 'child' || keys.includes('event')) {
          const { line } = src.getLineAndCharacterOfPosition(n.getStart());
          out.push({ where: `${file}:${line + 1}`, keys });
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

describe('log lines', () => {
  const calls = ROOTS.flatMap(sources).flatMap(logCalls);

  it('finds the log calls it is meant to check', () => {
    // The walk must see the gateway's events, or it proves nothing.
    expect(calls.length).toBeGreaterThan(100);
    expect(calls.some((c) => c.where.startsWith(path.join('gateway', 'notify', 'escalation.ts')) && c.keys.includes('escalatedTo'))).toBe(true);
  });

  it("never write one of pino's own keys (level, time, msg, pid, hostname) as a field or binding", () => {
    const reused = calls.flatMap((c) => c.keys.filter((k) => PINO_KEYS.has(k)).map((k) => `${c.where}: ${k}`));
    expect(reused).toEqual([]);
  });

  it('catches a reused key in a log call and in a child binding', () => {
    const probe = path.join(process.cwd(), 'test', 'unit', 'log-keys.probe.ts');
    const src = ts.createSourceFile(probe, "log.warn({ event: 'x', level: 'supervisor' }, 'm'); log.child({ time: 1 });", ts.ScriptTarget.ES2022, true);
    const found: string[] = [];
    src.forEachChild(function walk(n: ts.Node): void {
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ts.isObjectLiteralExpression(n.arguments[0] ?? n)) found.push(...keysOf(n.arguments[0] as ts.ObjectLiteralExpression).filter((k) => PINO_KEYS.has(k)));
      n.forEachChild(walk);
    });
    expect(found).toEqual(['level', 'time']);
  });
});
