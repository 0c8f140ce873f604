import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { loadOpenApi } from '../../cloud-sync/openapi.js';

// ajv-formats is CommonJS: under NodeNext its callable export sits on `default.default`.
const addFormats = ajvFormats.default.default;

/**
 * Validates bodies against the schemas of cloud-sync/openapi.json itself, so the reference
 * service and the document cannot drift apart.
 */
export class ContractValidator {
  readonly #ajv: Ajv2020;
  readonly #cache = new Map<string, ValidateFunction>();

  constructor() {
    this.#ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(this.#ajv);
    this.#ajv.addSchema(loadOpenApi(), 'openapi');
  }

  /** Errors (empty when valid) of `value` against `#/components/schemas/{name}`. */
  check(name: string, value: unknown): string[] {
    let fn = this.#cache.get(name);
    if (fn === undefined) {
      fn = this.#ajv.compile({ $ref: `openapi#/components/schemas/${name}` });
      this.#cache.set(name, fn);
    }
    if (fn(value)) return [];
    return (fn.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
  }
}
