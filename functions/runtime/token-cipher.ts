/**
 * Encryption of the OAuth tokens stored per HubSpot portal (issue 12 §5). Two adapters of one
 * port, chosen by configuration alone:
 * - in AWS, KMS `Encrypt`/`Decrypt` with the stack's token key (TOKEN_KMS_KEY_ID, bound by
 *   lib/stack.ts together with the grant), so the key never leaves KMS and every use is in CloudTrail;
 * - locally, AES-256-GCM with a key from TOKEN_AES_KEY (base64, 32 bytes), which the local stack
 *   generates when it starts.
 *
 * A box names its adapter and format (`kms1:` / `a256gcm1:`), so a box of the other kind is refused
 * with a clear error instead of being fed to the wrong decryption. `boundTo` (a portal id) is
 * KMS's encryption context and GCM's associated data: a box copied onto another portal's record
 * does not decrypt there. Plaintext and keys never appear in an error.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, EncryptCommand, IncorrectKeyException, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';

export interface TokenCipher {
  encrypt(plain: string, boundTo?: string): Promise<string>;
  /** Throws UndecryptableTokenError when the box was altered, bound to something else, or sealed with another key. */
  decrypt(box: string, boundTo?: string): Promise<string>;
}

/** Integrity failure: retrying cannot help; the tokens must be issued again (a new install). */
export class UndecryptableTokenError extends Error {
  override readonly name = 'UndecryptableTokenError';
}

/** The variables the adapters are chosen by (lib/topology.ts binds the first; the local stack sets the second). */
export const TOKEN_KEY_ENV = { kmsKeyId: 'TOKEN_KMS_KEY_ID', aesKey: 'TOKEN_AES_KEY' } as const;

const KMS_PREFIX = 'kms1:';
const AES_PREFIX = 'a256gcm1:';
const AES_KEY_BYTES = 32;
/** NIST SP 800-38D: a 96-bit IV for GCM, random per message. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PURPOSE = 'crm-sync/oauth-tokens';

function sealed(box: string, prefix: string, adapter: string): Buffer {
  if (!box.startsWith(prefix)) throw new UndecryptableTokenError(`Not a ${adapter} token box (it was sealed by another cipher)`);
  return Buffer.from(box.slice(prefix.length), 'base64');
}

export class KmsTokenCipher implements TokenCipher {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  private context(boundTo: string | undefined): Record<string, string> {
    return { purpose: PURPOSE, ...(boundTo === undefined ? {} : { boundTo }) };
  }

  async encrypt(plain: string, boundTo?: string): Promise<string> {
    const out = await this.kms.send(new EncryptCommand({ KeyId: this.keyId, Plaintext: Buffer.from(plain, 'utf8'), EncryptionContext: this.context(boundTo) }));
    if (!out.CiphertextBlob) throw new Error('KMS Encrypt answered without a ciphertext');
    return KMS_PREFIX + Buffer.from(out.CiphertextBlob).toString('base64');
  }

  async decrypt(box: string, boundTo?: string): Promise<string> {
    const blob = sealed(box, KMS_PREFIX, 'KMS');
    try {
      // KeyId given although the blob names its key: a blob of any other key is refused.
      const out = await this.kms.send(new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: blob, EncryptionContext: this.context(boundTo) }));
      if (!out.Plaintext) throw new Error('KMS Decrypt answered without a plaintext');
      return Buffer.from(out.Plaintext).toString('utf8');
    } catch (error) {
      if (error instanceof InvalidCiphertextException || error instanceof IncorrectKeyException) {
        throw new UndecryptableTokenError(`KMS refused to decrypt the token box: ${error.name}`, { cause: error });
      }
      throw error;
    }
  }
}

export class AesGcmTokenCipher implements TokenCipher {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== AES_KEY_BYTES) throw new Error(`The AES-256-GCM token key must be ${AES_KEY_BYTES} bytes, got ${key.length}`);
    this.key = Buffer.from(key);
  }

  private aad(boundTo: string | undefined): Buffer {
    return Buffer.from(`${PURPOSE}\n${boundTo ?? ''}`, 'utf8');
  }

  async encrypt(plain: string, boundTo?: string): Promise<string> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.aad(boundTo));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return AES_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  async decrypt(box: string, boundTo?: string): Promise<string> {
    const raw = sealed(box, AES_PREFIX, 'AES-256-GCM');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new UndecryptableTokenError('The token box is too short to be one');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    decipher.setAAD(this.aad(boundTo));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new UndecryptableTokenError('The token box failed its integrity check (altered, bound to another record, or sealed with another key)', { cause: error });
    }
  }
}

/**
 * The adapter the configuration names: TOKEN_KMS_KEY_ID (AWS) or TOKEN_AES_KEY (local), exactly
 * one of them. Neither, or both, is a configuration mistake said out loud.
 */
export function tokenCipherFromEnvironment(
  environment: Readonly<Record<string, string | undefined>> = process.env,
  kms: () => KMSClient = () => new KMSClient({}),
): TokenCipher {
  const keyId = environment[TOKEN_KEY_ENV.kmsKeyId] || undefined;
  const aesKey = environment[TOKEN_KEY_ENV.aesKey] || undefined;
  if (keyId && aesKey) throw new Error(`Set one of ${TOKEN_KEY_ENV.kmsKeyId} and ${TOKEN_KEY_ENV.aesKey}, not both`);
  if (keyId) return new KmsTokenCipher(kms(), keyId);
  if (aesKey) {
    const key = Buffer.from(aesKey, 'base64');
    if (key.length !== AES_KEY_BYTES) throw new Error(`${TOKEN_KEY_ENV.aesKey} must hold ${AES_KEY_BYTES} bytes, base64-encoded`);
    return new AesGcmTokenCipher(key);
  }
  throw new Error(`Missing configuration: ${TOKEN_KEY_ENV.kmsKeyId} (the KMS token key, in AWS) or ${TOKEN_KEY_ENV.aesKey} (locally)`);
}
