/**
 * Owns a well-known name on a D-Bus bus for as long as a test needs, the way a tray host owns
 * org.kde.StatusNotifierWatcher. None of the D-Bus tools here can do it (`gdbus` and `dbus-send` leave the bus as soon
 * as their call returns, taking the name with them; there is no python D-Bus module), so this speaks the D-Bus wire
 * protocol itself over the bus's unix socket (the D-Bus specification: SASL EXTERNAL, then little-endian messages):
 * `Hello`, then `RequestName(name, DO_NOT_QUEUE)`. Closing the socket releases the name, as a process ending would.
 *
 * Replies are not parsed: the caller waits until the bus says the name has an owner (NameHasOwner).
 */
import { connect, type Socket } from 'node:net';

export interface OwnedName {
  release(): Promise<void>;
}

/** The socket of a `unix:path=...` or `unix:abstract=...` address (the first one when several are listed). */
function socketPath(address: string): string {
  for (const entry of address.split(';')) {
    const [transport, params = ''] = entry.split(':', 2) as [string, string?];
    if (transport !== 'unix') continue;
    const values = new Map(params.split(',').map((pair) => pair.split('=', 2) as [string, string]));
    const path = values.get('path');
    if (path) return decodeURIComponent(path);
    const abstract = values.get('abstract');
    // Node reaches Linux's abstract socket namespace with a leading NUL.
    if (abstract) return `\0${decodeURIComponent(abstract)}`;
  }
  throw new Error(`no unix socket in the bus address ${address}`);
}

/** Little-endian marshalling of the few types a method call's header and RequestName's body need. */
class Writer {
  private bytes: number[] = [];
  get length(): number {
    return this.bytes.length;
  }
  align(to: number): void {
    while (this.bytes.length % to !== 0) this.bytes.push(0);
  }
  byte(value: number): void {
    this.bytes.push(value & 0xff);
  }
  uint32(value: number): void {
    this.align(4);
    this.bytes.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
  }
  setUint32(at: number, value: number): void {
    this.bytes.splice(at, 4, value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
  }
  /** STRING and OBJECT_PATH: length, UTF-8, NUL. */
  string(value: string): void {
    const encoded = Buffer.from(value, 'utf8');
    this.uint32(encoded.length);
    this.bytes.push(...encoded, 0);
  }
  /** SIGNATURE: a one-byte length, the text, NUL. */
  signature(value: string): void {
    this.byte(value.length);
    this.bytes.push(...Buffer.from(value, 'ascii'), 0);
  }
  buffer(): Buffer {
    return Buffer.from(this.bytes);
  }
}

const FIELD = { path: 1, interface: 2, member: 3, destination: 6, signature: 8 } as const;

function methodCall(serial: number, member: string, body?: { signature: string; write: (writer: Writer) => void }): Buffer {
  const bodyWriter = new Writer();
  body?.write(bodyWriter);
  const bodyBytes = bodyWriter.buffer();
  const writer = new Writer();
  // Endianness 'l', METHOD_CALL, no flags, protocol version 1.
  writer.byte('l'.charCodeAt(0));
  writer.byte(1);
  writer.byte(0);
  writer.byte(1);
  writer.uint32(bodyBytes.length);
  writer.uint32(serial);
  const arrayLengthAt = writer.length;
  writer.uint32(0);
  writer.align(8);
  const arrayStart = writer.length;
  const field = (code: number, type: 'o' | 's' | 'g', value: string) => {
    writer.align(8);
    writer.byte(code);
    writer.signature(type);
    if (type === 'g') writer.signature(value);
    else writer.string(value);
  };
  field(FIELD.path, 'o', '/org/freedesktop/DBus');
  field(FIELD.interface, 's', 'org.freedesktop.DBus');
  field(FIELD.member, 's', member);
  field(FIELD.destination, 's', 'org.freedesktop.DBus');
  if (body) field(FIELD.signature, 'g', body.signature);
  writer.setUint32(arrayLengthAt, writer.length - arrayStart);
  writer.align(8);
  return Buffer.concat([writer.buffer(), bodyBytes]);
}

/** Connects to the bus at `address` and asks for `name`; the name is held until `release`. */
export function ownBusName(address: string, name: string): Promise<OwnedName> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(socketPath(address));
    let authenticated = false;
    let received = '';
    socket.once('error', reject);
    socket.on('connect', () => {
      const uid = Buffer.from(String(process.getuid?.() ?? 0), 'ascii').toString('hex');
      // A NUL byte first (the credentials byte), then SASL EXTERNAL with our uid.
      socket.write(Buffer.concat([Buffer.from([0]), Buffer.from(`AUTH EXTERNAL ${uid}\r\n`, 'ascii')]));
    });
    socket.on('data', (chunk: Buffer) => {
      if (authenticated) return; // The bus's replies and NameAcquired: the caller asks the bus instead.
      received += chunk.toString('latin1');
      if (!received.includes('\r\n')) return;
      if (!received.startsWith('OK ')) {
        socket.destroy();
        reject(new Error(`the bus refused the authentication: ${received.trim()}`));
        return;
      }
      authenticated = true;
      socket.write('BEGIN\r\n');
      socket.write(methodCall(1, 'Hello'));
      // DBUS_NAME_FLAG_DO_NOT_QUEUE (4): owned now or not at all.
      socket.write(
        methodCall(2, 'RequestName', {
          signature: 'su',
          write: (writer) => {
            writer.string(name);
            writer.uint32(4);
          },
        }),
      );
      resolve({
        release: () =>
          new Promise<void>((done) => {
            if (socket.destroyed) return done();
            socket.once('close', () => done());
            socket.end();
          }),
      });
    });
  });
}
