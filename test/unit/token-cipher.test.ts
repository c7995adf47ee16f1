/**
 * The token cipher (issue 12 §5): both adapters round-trip, a box shows nothing of what it holds,
 * and any change to a box (its bytes, the portal it is bound to, the key, the adapter) is refused
 * as UndecryptableTokenError. The adapter is chosen by configuration alone.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, EncryptCommand, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AesGcmTokenCipher, KmsTokenCipher, tokenCipherFromEnvironment, TOKEN_KEY_ENV, UndecryptableTokenError } from '../../functions/runtime/token-cipher.js';
import { TOKEN_KEY_ENV_VAR } from '../../lib/topology.js';

const TOKENS = JSON.stringify({ accessToken: 'CKDZpunPLhICAQEYs-access', refreshToken: 'na1-ab12-cd34-refresh' });

/** Flips one bit of the box's payload (after its prefix). */
function tamper(box: string, at: number): string {
  const colon = box.indexOf(':') + 1;
  const raw = Buffer.from(box.slice(colon), 'base64');
  raw[at % raw.length]! ^= 0x01;
  return box.slice(0, colon) + raw.toString('base64');
}

describe('AesGcmTokenCipher', () => {
  const cipher = new AesGcmTokenCipher(randomBytes(32));

  it('round-trips, and the box shows nothing of the tokens', async () => {
    // Act
    const box = await cipher.encrypt(TOKENS, '24681357');

    // Assess
    expect(box).not.toContain('CKDZ');
    expect(box).not.toContain('refresh');
    expect(Buffer.from(box.split(':')[1]!, 'base64').toString('latin1')).not.toContain('CKDZ');
    expect(await cipher.decrypt(box, '24681357')).toBe(TOKENS);
  });

  it('seals the same tokens differently each time (a fresh IV)', async () => {
    // Act
    const [a, b] = await Promise.all([cipher.encrypt(TOKENS, 'p'), cipher.encrypt(TOKENS, 'p')]);

    // Assess
    expect(a).not.toBe(b);
  });

  it.each([0, 5, 11, 12, 20, 27, 28, 40, 60])('refuses a box with a bit flipped at byte %i (IV, tag or ciphertext)', async (at) => {
    // Prepare
    const box = await cipher.encrypt(TOKENS, '24681357');

    // Act
    const reading = cipher.decrypt(tamper(box, at), '24681357');

    // Assess
    await expect(reading).rejects.toBeInstanceOf(UndecryptableTokenError);
  });

  it('refuses a box bound to another portal, sealed with another key, cut short, or sealed by KMS', async () => {
    // Prepare
    const box = await cipher.encrypt(TOKENS, '24681357');
    const other = new AesGcmTokenCipher(randomBytes(32));

    // Assess
    await expect(cipher.decrypt(box, '11111111')).rejects.toBeInstanceOf(UndecryptableTokenError);
    await expect(cipher.decrypt(box)).rejects.toBeInstanceOf(UndecryptableTokenError);
    await expect(other.decrypt(box, '24681357')).rejects.toBeInstanceOf(UndecryptableTokenError);
    await expect(cipher.decrypt(box.slice(0, 20), '24681357')).rejects.toBeInstanceOf(UndecryptableTokenError);
    await expect(cipher.decrypt(`kms1:${box.split(':')[1]}`, '24681357')).rejects.toBeInstanceOf(UndecryptableTokenError);
  });

  it('takes only a 256-bit key', () => {
    expect(() => new AesGcmTokenCipher(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('KmsTokenCipher', () => {
  const kms = mockClient(KMSClient);
  const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  afterEach(() => kms.reset());

  /** A KMS stand-in: AES-GCM under its own key, authenticating the encryption context as KMS does. */
  function fakeKms(): void {
    const key = randomBytes(32);
    const aad = (context: Record<string, string> | undefined) => Buffer.from(JSON.stringify(context ?? {}));
    kms.on(EncryptCommand).callsFake((input: { Plaintext: Uint8Array; EncryptionContext?: Record<string, string> }) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(input.EncryptionContext));
      const body = Buffer.concat([c.update(input.Plaintext), c.final()]);
      return { CiphertextBlob: Buffer.concat([iv, c.getAuthTag(), body]), KeyId: KEY };
    });
    kms.on(DecryptCommand).callsFake((input: { CiphertextBlob: Uint8Array; EncryptionContext?: Record<string, string> }) => {
      const raw = Buffer.from(input.CiphertextBlob);
      const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12)).setAAD(aad(input.EncryptionContext));
      d.setAuthTag(raw.subarray(12, 28));
      try {
        return { Plaintext: Buffer.concat([d.update(raw.subarray(28)), d.final()]), KeyId: KEY };
      } catch {
        throw new InvalidCiphertextException({ message: 'invalid ciphertext', $metadata: {} });
      }
    });
  }

  it('round-trips through Encrypt and Decrypt with the key and the portal as encryption context', async () => {
    // Prepare
    fakeKms();
    const cipher = new KmsTokenCipher(new KMSClient({ region: 'us-east-1' }), KEY);

    // Act
    const box = await cipher.encrypt(TOKENS, '24681357');
    const plain = await cipher.decrypt(box, '24681357');

    // Assess
    expect(plain).toBe(TOKENS);
    expect(box.startsWith('kms1:')).toBe(true);
    expect(box).not.toContain('CKDZ');
    const encrypt = kms.commandCalls(EncryptCommand)[0]!.args[0].input;
    expect(encrypt.KeyId).toBe(KEY);
    expect(encrypt.EncryptionContext).toEqual({ purpose: 'crm-sync/oauth-tokens', boundTo: '24681357' });
    expect(kms.commandCalls(DecryptCommand)[0]!.args[0].input).toMatchObject({ KeyId: KEY, EncryptionContext: { boundTo: '24681357' } });
  });

  it('turns KMS refusing a ciphertext (tampered, or another portal\'s context) into UndecryptableTokenError', async () => {
    // Prepare
    fakeKms();
    const cipher = new KmsTokenCipher(new KMSClient({ region: 'us-east-1' }), KEY);
    const box = await cipher.encrypt(TOKENS, '24681357');

    // Assess
    await expect(cipher.decrypt(tamper(box, 30), '24681357')).rejects.toBeInstanceOf(UndecryptableTokenError);
    await expect(cipher.decrypt(box, '11111111')).rejects.toBeInstanceOf(UndecryptableTokenError);
    await expect(cipher.decrypt(await new AesGcmTokenCipher(randomBytes(32)).encrypt(TOKENS, 'p'), 'p')).rejects.toBeInstanceOf(UndecryptableTokenError);
  });

  it('lets other KMS failures (throttling, no access) through as they are, to be retried or fixed', async () => {
    // Prepare
    kms.on(DecryptCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const cipher = new KmsTokenCipher(new KMSClient({ region: 'us-east-1' }), KEY);

    // Act
    const reading = cipher.decrypt(`kms1:${Buffer.from('blob').toString('base64')}`, 'p');

    // Assess
    await expect(reading).rejects.toThrow('Rate exceeded');
    await expect(reading).rejects.not.toBeInstanceOf(UndecryptableTokenError);
  });
});

describe('tokenCipherFromEnvironment', () => {
  const aesKey = randomBytes(32).toString('base64');

  it('reads the KMS key from the variable the stack binds', () => {
    expect(TOKEN_KEY_ENV.kmsKeyId).toBe(TOKEN_KEY_ENV_VAR);
  });

  it('chooses the adapter by configuration: KMS in AWS, AES-GCM locally', () => {
    expect(tokenCipherFromEnvironment({ [TOKEN_KEY_ENV.kmsKeyId]: 'arn:aws:kms:us-east-1:1:key/k' }, () => new KMSClient({ region: 'us-east-1' }))).toBeInstanceOf(KmsTokenCipher);
    expect(tokenCipherFromEnvironment({ [TOKEN_KEY_ENV.aesKey]: aesKey })).toBeInstanceOf(AesGcmTokenCipher);
  });

  it('refuses neither, both, or a key of the wrong size, without showing the key', () => {
    expect(() => tokenCipherFromEnvironment({})).toThrow(/TOKEN_KMS_KEY_ID.*TOKEN_AES_KEY/);
    expect(() => tokenCipherFromEnvironment({ [TOKEN_KEY_ENV.kmsKeyId]: 'k', [TOKEN_KEY_ENV.aesKey]: aesKey })).toThrow(/not both/);
    const short = randomBytes(16).toString('base64');
    let message = '';
    try {
      tokenCipherFromEnvironment({ [TOKEN_KEY_ENV.aesKey]: short });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/32 bytes/);
    expect(message).not.toContain(short);
  });
});
