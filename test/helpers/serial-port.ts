import { SerialPort } from 'serialport';
import { onTestFinished } from 'vitest';

export interface OpenSerialPort {
  readonly port: SerialPort;
  /** Every byte received so far. */
  received(): Buffer;
  /** Closes the port and resolves when it is closed. Idempotent. */
  close(): Promise<void>;
}

/**
 * A bare serial port (locked, as serialport always locks), closed when the test finishes. Opening
 * rejects with "Cannot lock port" while another process or object still holds the path.
 */
export async function openSerialPort(path: string): Promise<OpenSerialPort> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err === null || err === undefined ? resolve() : reject(err))));
  const close = (): Promise<void> => new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
  onTestFinished(close);
  const chunks: Buffer[] = [];
  port.on('data', (c: Buffer) => void chunks.push(c));
  port.on('error', () => undefined);
  return { port, received: () => Buffer.concat(chunks), close };
}
