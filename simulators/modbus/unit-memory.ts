import { encodeValue, type EncodeOptions, type WordType } from './register-encoding.js';

export type BitTable = 'coil' | 'discrete-input';
export type WordTable = 'holding-register' | 'input-register';

/**
 * The four Modbus tables of one simulated unit, sparse (unset addresses read 0/false) so two
 * hundred units cost little. Addresses at or above `size` answer exception 0x02.
 */
export class UnitMemory {
  readonly size: number;
  readonly #bits: Record<BitTable, Map<number, boolean>> = { coil: new Map(), 'discrete-input': new Map() };
  readonly #words: Record<WordTable, Map<number, number>> = { 'holding-register': new Map(), 'input-register': new Map() };
  /** Called after a client writes a coil or holding register (FC 5, 6, 15, 16). */
  onWrite: ((table: 'coil' | 'holding-register', address: number) => void) | null = null;

  constructor(size = 0x10000) {
    this.size = size;
  }

  getBit(table: BitTable, address: number): boolean {
    return this.#bits[table].get(address) ?? false;
  }

  getWord(table: WordTable, address: number): number {
    return this.#words[table].get(address) ?? 0;
  }

  setBits(table: BitTable, address: number, values: readonly boolean[]): void {
    values.forEach((v, i) => this.#bits[table].set(address + i, v));
  }

  setWords(table: WordTable, address: number, words: readonly number[]): void {
    words.forEach((w, i) => this.#words[table].set(address + i, w & 0xffff));
  }

  /** Writes an engineering value the way a device with that register map would hold it. */
  setValue(table: WordTable, address: number, type: WordType, value: number | boolean, opts?: EncodeOptions): void {
    this.setWords(table, address, encodeValue(type, value, opts));
  }
}
