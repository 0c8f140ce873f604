import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';

/** The part of node-opcua (client or server package) that owns its process-wide loggers. */
export interface SdkLoggers {
  setWarningLogger(log: (context: unknown, ...args: unknown[]) => void): void;
  setErrorLogger(log: (context: unknown, ...args: unknown[]) => void): void;
}

/**
 * NODE-OPCUA-W27 says Node 20.11+ refuses RSA PKCS#1 v1.5 decryption (CVE-2023-46809). Only the
 * Basic128Rsa15 and Basic256 policies decrypt with it; the site schema offers neither
 * (Basic256Sha256, Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss encrypt with OAEP), so the
 * notice, and its advice to revert a security fix, is harmless here: it is kept at debug level,
 * as is the SDK's "Creating default certificate ... please wait" (the first secure connection
 * makes the client's certificate; nothing is wrong).
 */
const HARMLESS = [/NODE-OPCUA-W27/, /--security-revert=CVE-2023-46809/, /^Creating default certificate/];

/**
 * The SDK prints its warnings and errors to the console itself, each stamped in UTC ("07:43:37Z
 * Creating default certificate"); they go to the given log instead, one structured line each.
 * (The SDK's loggers are process-wide: the last caller owns them.)
 */
export function routeSdkLogs(sdk: SdkLoggers, log: Logger): void {
  const line = (context: unknown, args: unknown[]): { source: string; text: string } => {
    const c = context as { filename?: unknown; callerline?: unknown } | null;
    const source = typeof c?.filename === 'string' ? `${c.filename.replace(/^.*[\\/]/, '')}:${String(c.callerline ?? '')}` : 'node-opcua';
    return { source, text: args.map((a) => (typeof a === 'string' ? a : errorMessage(a))).join(' ').slice(0, 500) };
  };
  sdk.setWarningLogger((context, ...args) => {
    const l = line(context, args);
    if (HARMLESS.some((h) => h.test(l.text))) log.debug({ event: 'opcua.sdk_notice', source: l.source }, l.text);
    else log.warn({ event: 'opcua.sdk_warning', source: l.source }, l.text);
  });
  sdk.setErrorLogger((context, ...args) => {
    const l = line(context, args);
    log.error({ event: 'opcua.sdk_error', source: l.source }, l.text);
  });
}
