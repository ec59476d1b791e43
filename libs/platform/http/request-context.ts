import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { EventMetadata } from '../../kernel/index.js';

/**
 * Who is asking and as part of what: the correlation id comes from `X-Request-Id` when a
 * caller sends one. Until tokens exist, the actor is named by `X-Demarche-Actor`.
 */
export function metadataOf(request: Request): EventMetadata {
  const header = (name: string) => {
    const v = request.header(name);
    return v && /^[\w.:@-]{1,128}$/.test(v) ? v : undefined;
  };
  const correlationId = header('x-request-id') ?? randomUUID();
  return { actor: header('x-demarche-actor') ?? 'anonymous', correlationId, causationId: correlationId };
}
