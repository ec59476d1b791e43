import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenService } from './tokens.js';

export class NoAdminToken extends Error {
  override name = 'NoAdminToken';
}

export type FirstAdmin =
  | { readonly kind: 'from-env' }
  | { readonly kind: 'exists' }
  | { readonly kind: 'generated'; readonly token: string; readonly id: string; readonly file: string };

/**
 * Makes sure someone can act as admin. DEMARCHE_ADMIN_TOKEN, when set, always is one. Else,
 * if no usable admin token is stored: the embedded profile issues one and writes it to
 * `<dataDir>/admin-token` (mode 0600), so `npm start` on a fresh machine is usable; the
 * distributed profile refuses to start, since its processes must share one secret.
 */
export async function ensureFirstAdmin(tokens: TokenService, options: { readonly adminTokenSet: boolean; readonly profile: 'embedded' | 'distributed'; readonly dataDir: string }): Promise<FirstAdmin> {
  if (options.adminTokenSet) return { kind: 'from-env' };
  if (await tokens.hasUsableAdmin()) return { kind: 'exists' };
  if (options.profile === 'distributed') {
    throw new NoAdminToken(
      'No admin token exists yet and DEMARCHE_ADMIN_TOKEN is not set. Set DEMARCHE_ADMIN_TOKEN to a long random secret (openssl rand -base64 32) for the api processes, ' +
        'then issue other tokens with POST /v1/tokens; once an admin token has been issued, DEMARCHE_ADMIN_TOKEN may be left unset.',
    );
  }
  const { token, record } = await tokens.issue({ role: 'admin', label: 'first start' }, 'system:first-start');
  mkdirSync(options.dataDir, { recursive: true });
  const file = join(options.dataDir, 'admin-token');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { kind: 'generated', token, id: record.id, file };
}
