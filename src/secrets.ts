import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';

/** Reads a secret kept in a file, creating it (0600) on first use. Safe against two racing creators. */
export async function readOrCreateSecret(file: string, bytes = 24): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(bytes).toString('base64url');
  try {
    await fs.writeFile(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await fs.readFile(file, 'utf8')).trim();
    throw err;
  }
}
