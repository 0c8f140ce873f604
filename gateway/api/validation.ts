import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/**
 * Two validators: query strings arrive as text, so their numbers and booleans are coerced; bodies
 * are JSON and are taken as sent, so `{"note": 42}` is a 400 naming `body.note`, not a string "42".
 * Unknown fields are refused (not silently dropped) in both.
 */
export function installValidators(app: FastifyInstance): void {
  const make = (coerceTypes: boolean): Ajv => {
    const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
    addFormats.default(ajv);
    return ajv;
  };
  const query = make(true);
  const body = make(false);
  // Each route's schemas are compiled once, at boot.
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : query).compile(schema));
}
