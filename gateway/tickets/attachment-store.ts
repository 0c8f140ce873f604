import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from '../store/fsync-dir.js';
import type { Attachment } from './ticket.js';

export type PhotoType = Attachment['contentType'];

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

  constructor(dataDir: string, maxBytes: number) {
    this.dir = path.join(dataDir, 'attachments');
    this.#maxBytes = maxBytes;
  }

  get maxBytes(): number {
    return this.#maxBytes;
  }

  async add(bytes: Buffer, by: string, now: number): Promise<Omit<Attachment, 'purpose'>> {
    const contentType = sniffPhoto(bytes);
    if (contentType === null) throw new PhotoRefused('the photo must be a JPEG, PNG or WebP image');
    if (bytes.length > this.#maxBytes) throw new PhotoRefused(`the photo is ${bytes.length} bytes, over the limit of ${this.#maxBytes}`);
    const id = randomUUID();
    const file = this.#file(id, contentType);
    const tmp = `${file}.tmp`;
    await mkdir(this.dir, { recursive: true });
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    await fsyncDir(this.dir);
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

  /** The bytes of a photo, or null when there is none. */
  async read(a: Pick<Attachment, 'id' | 'contentType'>): Promise<Buffer | null> {
    try {
      return await readFile(this.#file(a.id, a.contentType));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  #file(id: string, type: PhotoType): string {
    return path.join(this.dir, `${id}.${EXT[type]}`);
  }
}
