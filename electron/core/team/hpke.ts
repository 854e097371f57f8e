/**
 * The only file that imports `@hpke/core`: HPKE (RFC 9180) base mode with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256
 * and AES-256-GCM, used for one thing: wrapping the team key for one member's X25519 public key. Everything else
 * (secrets, credentials) is sealed under the team key in the vault's own record format (`vault.ts` `sealWith`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { KeywardenError } from '../errors.js';

/** X25519 public keys, HPKE's `enc` for this suite, and private keys are 32 bytes each. */
const KEY_BYTES = 32;
export const TEAM_KEY_BYTES = 32;

/**
 * The part of @hpke/core's CipherSuite used here. Its own declarations name Web Crypto's `CryptoKey`, a DOM type the
 * engine's Node-only configuration does not have, so keys stay opaque objects between its own calls.
 */
interface HpkeSuite {
  kem: {
    generateKeyPair(): Promise<{ publicKey: object; privateKey: object }>;
    serializePublicKey(key: object): Promise<ArrayBuffer>;
    serializePrivateKey(key: object): Promise<ArrayBuffer>;
    deserializePublicKey(bytes: ArrayBuffer): Promise<object>;
    deserializePrivateKey(bytes: ArrayBuffer): Promise<object>;
  };
  seal(params: { recipientPublicKey: object; info: Uint8Array }, plaintext: ArrayBuffer): Promise<{ enc: ArrayBuffer; ct: ArrayBuffer }>;
  open(params: { recipientKey: object; enc: ArrayBuffer; info: Uint8Array }, ciphertext: ArrayBuffer): Promise<ArrayBuffer>;
}

let suite: HpkeSuite | null = null;
function cipherSuite(): HpkeSuite {
  suite ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() }) as unknown as HpkeSuite;
  return suite;
}

export interface MemberKeyPair {
  publicKey: Buffer;
  privateKey: Buffer;
}

export async function generateMemberKeyPair(): Promise<MemberKeyPair> {
  const kem = cipherSuite().kem;
  const pair = await kem.generateKeyPair();
  return {
    publicKey: Buffer.from(await kem.serializePublicKey(pair.publicKey)),
    privateKey: Buffer.from(await kem.serializePrivateKey(pair.privateKey)),
  };
}

export function newTeamKey(): Buffer {
  return randomBytes(TEAM_KEY_BYTES);
}

/**
 * What a wrap is bound to (HPKE's `info`): the team, the key generation and the member. A wrap copied onto another
 * member's row, or kept from an older generation and replayed as a newer one, does not open.
 */
export function wrapInfo(teamId: string, generation: number, member: string): Uint8Array {
  return new TextEncoder().encode(`keywarden-team-key/1\n${teamId}\n${generation}\n${member}`);
}

/** The team key wrapped for one member: `enc || ciphertext`. */
export async function wrapTeamKey(recipientPublicKey: Buffer, teamKey: Buffer, info: Uint8Array): Promise<Buffer> {
  const s = cipherSuite();
  const sealed = await s.seal({ recipientPublicKey: await s.kem.deserializePublicKey(toArrayBuffer(recipientPublicKey)), info }, toArrayBuffer(teamKey));
  return Buffer.concat([Buffer.from(sealed.enc), Buffer.from(sealed.ct)]);
}

/** Opens a wrap with the member's private key; `team_key_unreadable` (as `vault_key_mismatch`) when it is not theirs. */
export async function unwrapTeamKey(privateKey: Buffer, wrapped: Buffer, info: Uint8Array): Promise<Buffer> {
  const s = cipherSuite();
  try {
    const opened = await s.open(
      { recipientKey: await s.kem.deserializePrivateKey(toArrayBuffer(privateKey)), enc: toArrayBuffer(wrapped.subarray(0, KEY_BYTES)), info },
      toArrayBuffer(wrapped.subarray(KEY_BYTES)),
    );
    const key = Buffer.from(opened);
    if (key.length !== TEAM_KEY_BYTES) throw new Error('wrong length');
    return key;
  } catch {
    throw new KeywardenError('vault_key_mismatch', "the team key wrapped for you does not open with this data folder's member key: it was altered, or made for another member or generation");
  }
}

/** SHA-256 of the public key as 16 groups of 4 hex digits: what two people read to each other before an approval. */
export function fingerprint(publicKey: Buffer): string {
  return createHash('sha256').update(publicKey).digest('hex').match(/.{4}/g)!.join(' ');
}

export function checkPublicKey(publicKey: Buffer): void {
  if (publicKey.length !== KEY_BYTES) throw new KeywardenError('invalid_input', `a member's public key is ${KEY_BYTES} bytes (this one is ${publicKey.length})`);
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
