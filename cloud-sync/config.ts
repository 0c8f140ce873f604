import { z } from 'zod';
import { SecretRef } from '../core/schema-parts.js';

/** The site file's `central`: where the central repair service is, how to reach it, how much to batch and keep. */
export const CentralService = z.strictObject({
  url: z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL'),
  token: SecretRef.default({ env: 'CENTRAL_TOKEN' }),
  timeoutMs: z.number().int().positive().default(10_000),
  /** Tickets per upload (the contract allows 1,000). Each acknowledged batch costs one store write, so a backlog drains in fewer, larger batches; batchMaxBytes still bounds a request. */
  batchMaxItems: z.number().int().min(1).max(1000).default(500),
  batchMaxBytes: z.number().int().min(1024).default(1_000_000),
  pollSeconds: z.number().positive().default(10),
  /**
   * The longest wait a Retry-After from the central service is honoured for (5 minutes unless the
   * site says): a longer one, or an HTTP date days ahead, is cut to it. A new emergency is tried
   * at once whatever the wait (one probe request).
   */
  maxRetryAfterSeconds: z.number().int().min(1).max(3600).default(300),
  /** Disk the outbox may use; at 80 % health turns red and an alert goes out. */
  outboxQuotaBytes: z.number().int().positive().default(200_000_000),
  /**
   * Seconds between site statuses (contract 2.1); one also goes at once on any change of health.
   * Central treats three intervals without one as a silent gateway (docs/central-contract.md).
   */
  heartbeatSeconds: z.number().int().min(5).max(600).default(30),
});
export type CentralService = z.infer<typeof CentralService>;
