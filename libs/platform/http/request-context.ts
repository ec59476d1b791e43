import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { EventMetadata } from '../../kernel/index.js';

const ACTOR = Symbol('demarche.actor');

/** Set by the authentication guard: who the bearer token says is acting (`token:<id>`). */
export function setActor(request: Request, actor: string): void {
  (request as Request & { [ACTOR]?: string })[ACTOR] = actor;
}

/** The authenticated actor of a request, if a bearer token was checked. */
export function actorOf(request: Request): string | undefined {
  return (request as Request & { [ACTOR]?: string })[ACTOR];
}

/**
 * Who is asking and as part of what: the actor is the authenticated principal (`token:<id>`),
 * the correlation id comes from `X-Request-Id` when a caller sends one.
 */
export function metadataOf(request: Request): EventMetadata {
  const header = (name: string) => {
    const v = request.header(name);
    return v && /^[\w.:@-]{1,128}$/.test(v) ? v : undefined;
  };
  const correlationId = header('x-request-id') ?? randomUUID();
  return { actor: actorOf(request) ?? 'anonymous', correlationId, causationId: correlationId };
}
