import { createHash, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../../core/errors.js';
import { replaceFileDurably } from '../store/fsync-dir.js';
import type { Attachment } from './ticket.js';

export type PhotoType = Attachment['contentType'];
/** What names a photo's file: its id and type. */
export type PhotoRef = Pick<Attachment, 'id' | 'contentType'>;

/**
 * Where a photo is kept beyond this gateway's disk (one of a pair: etcd, gateway/ha/photo-mirror.ts).
 * A photo is there before its id is given out, as a ticket change is committed before it is told.
 */
export interface PhotoReplica {
  /** Makes a new photo durable beyond this gateway; rejects when it cannot (its id is then not given out). */
  put(a: PhotoRef, bytes: Buffer): Promise<void>;
  /** A photo a ticket names that is not on this disk (taken through the other gateway): its bytes, or null. */
  get(a: PhotoRef): Promise<Buffer | null>;
}

/** A photo's file name: `{id}.{jpg|png|webp}` (also its key's last part in etcd). */
export function photoFileName(a: PhotoRef): string {
  return `${a.id}.${EXT[a.contentType]}`;
}

/** The photo a file name names, or null for a name that is not one (a temporary file, anything else). */
export function photoOfFileName(name: string): PhotoRef | null {
  const dot = name.lastIndexOf('.');
  const id = name.slice(0, dot);
  const type = (Object.keys(EXT) as PhotoType[]).find((t) => EXT[t] === name.slice(dot + 1));
  return dot > 0 && type !== undefined && PHOTO_ID.test(id) ? { id, contentType: type } : null;
}

const EXT: Readonly<Record<PhotoType, string>> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };
const UNLINKED_KEPT = 1000;
const PHOTO_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the bytes are, by their magic numbers: the declared content type is not trusted. */
export function sniffPhoto(bytes: Buffer): PhotoType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

/** A photo written here that the pair could not make durable beyond this gateway: sent again, it may be. */
export class PhotoNotDurable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PhotoNotDurable';
  }
}

export class PhotoRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PhotoRefused';
  }
}

/**
 * Photos staff take with a ticket (a patrol-found fault, a repair, a re-check), kept on the
 * gateway's disk under `{dataDir}/attachments/` and synced to the central service. A photo is
 * written and synced before its id is given out, so a ticket never points at a photo a crash lost.
 * The phone scales a photo down before it sends it (the pages do, to about 1600 px); the gateway
 * refuses anything that is not a JPEG, PNG or WebP, or is over the size limit.
 */
export class AttachmentStore {
  readonly dir: string;
  readonly #maxBytes: number;
  /**
   * Photos uploaded and not yet on a ticket, by id, so taking one reads nothing back. Bounded: a
   * photo uploaded and never used is dropped from here after UNLINKED_KEPT newer ones, and is still
   * found on disk if its report comes after all.
   */
  readonly #unlinked = new Map<string, Omit<Attachment, 'purpose'>>();

  readonly #replica: PhotoReplica | null;

  constructor(dataDir: string, maxBytes: number, replica: PhotoReplica | null = null) {
    this.dir = path.join(dataDir, 'attachments');
    this.#maxBytes = maxBytes;
    this.#replica = replica;
  }

  get maxBytes(): number {
    return this.#maxBytes;
  }

  async add(bytes: Buffer, by: string, now: number): Promise<Omit<Attachment, 'purpose'>> {
    const contentType = sniffPhoto(bytes);
    if (contentType === null) throw new PhotoRefused('the photo must be a JPEG, PNG or WebP image');
    if (bytes.length > this.#maxBytes) throw new PhotoRefused(`the photo is ${bytes.length} bytes, over the limit of ${this.#maxBytes}`);
    const id = randomUUID();
    await this.#write({ id, contentType }, bytes);
    if (this.#replica !== null) {
      try {
        await this.#replica.put({ id, contentType }, bytes);
      } catch (err) {
        throw new PhotoNotDurable(`the photo could not be kept on the other gateway of the pair: ${errorMessage(err)}`);
      }
    }
    const a = { id, contentType, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), at: new Date(now).toISOString(), by };
    this.#unlinked.set(id, a);
    if (this.#unlinked.size > UNLINKED_KEPT) this.#unlinked.delete(this.#unlinked.keys().next().value ?? id);
    return a;
  }

  /**
   * Photos uploaded and not yet used, with the purpose they join a ticket for; a message for an
   * unknown id. A photo uploaded before a restart is found on disk (a phone that queued its report
   * while the gateway restarted sends the ids it was given).
   */
  async take(ids: readonly string[], purpose: Attachment['purpose'], by: string): Promise<{ ok: true; attachments: Attachment[] } | { ok: false; problem: string }> {
    const out: Attachment[] = [];
    for (const id of ids) {
      const a = this.#unlinked.get(id) ?? (await this.#fromDisk(id, by));
      if (a === null) return { ok: false, problem: `photo ${id} is not on the gateway: take it again` };
      out.push({ ...a, purpose });
    }
    return { ok: true, attachments: out };
  }

  async #fromDisk(id: string, by: string): Promise<Omit<Attachment, 'purpose'> | null> {
    if (!PHOTO_ID.test(id)) return null;
    for (const contentType of Object.keys(EXT) as PhotoType[]) {
      const bytes = await this.read({ id, contentType });
      if (bytes === null) continue;
      const at = (await stat(this.#file(id, contentType))).mtimeMs;
      return { id, contentType, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), at: new Date(at).toISOString(), by };
    }
    return null;
  }

  /** The photos are on a ticket now (its write is durable). */
  used(ids: readonly string[]): void {
    for (const id of ids) this.#unlinked.delete(id);
  }

  /**
   * The bytes of a photo, or null when there is none. One of a pair that lacks a photo a ticket
   * names (taken through the other gateway just before it died) asks the replica for it and keeps it.
   */
  async read(a: PhotoRef): Promise<Buffer | null> {
    const local = await this.#readLocal(a);
    if (local !== null || this.#replica === null) return local;
    const bytes = await this.#replica.get(a);
    if (bytes !== null) await this.keep(a, bytes);
    return bytes;
  }

  /** Whether the photo's file is on this gateway's disk. */
  async has(a: PhotoRef): Promise<boolean> {
    return (await stat(this.#file(a.id, a.contentType)).catch(() => null)) !== null;
  }

  /**
   * Keeps a photo taken through the other gateway of a pair, as it was taken: refused when its
   * bytes are not the type its name says (a damaged copy is not kept).
   */
  async keep(a: PhotoRef, bytes: Buffer): Promise<void> {
    if (sniffPhoto(bytes) !== a.contentType) throw new PhotoRefused(`photo ${a.id}: the bytes are not a ${a.contentType}`);
    await this.#write(a, bytes);
  }

  async #readLocal(a: PhotoRef): Promise<Buffer | null> {
    try {
      return await readFile(this.#file(a.id, a.contentType));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  #write(a: PhotoRef, bytes: Buffer): Promise<void> {
    return replaceFileDurably(this.#file(a.id, a.contentType), bytes);
  }

  #file(id: string, type: PhotoType): string {
    return path.join(this.dir, photoFileName({ id, contentType: type }));
  }
}
