import type { FastifyReply } from 'fastify';
import type { ErrorCode } from '../../core/errors.js';

/** Every API error has one shape: `{ error: { code, message } }`. */
export function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}
