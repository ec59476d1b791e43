import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { InvalidRequest, type FieldProblem } from './problem.js';

/** A query parameter's name: a plain word, never an operator (`$ne`), a path (`a.b`) or brackets (`a[b]`). */
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_VALUE = 1000;

/**
 * Query parameters are plain text, given once, under a plain name, on every route. Express
 * turns a repeated name into an array (and an extended parser would turn `campaignId[$ne]=x`
 * into an object), which a filter could hand to a store as an operator; nothing of the kind
 * gets past here. Writes take their input from the path and the JSON body only, so a
 * query parameter on a write is refused rather than silently ignored.
 */
@Injectable()
export class PlainQueryMiddleware implements NestMiddleware {
  use(req: Request, _res: Response, next: NextFunction): void {
    const problems: FieldProblem[] = [];
    const write = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
    for (const [name, value] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
      const field = name.length > 64 ? `${name.slice(0, 64)}…` : name;
      if (!NAME.test(name)) problems.push({ field, message: `"${field}" is not a query parameter name: names are plain words (operators, dots and brackets are refused)` });
      else if (typeof value !== 'string') problems.push({ field, message: `${name} must be given once, as plain text` });
      else if (value.length > MAX_VALUE) problems.push({ field, message: `${name} is longer than ${MAX_VALUE} characters` });
      else if (write) problems.push({ field, message: `${name}: writes take no query parameters; send the fields in the JSON body` });
    }
    if (problems.length) throw new InvalidRequest(problems.slice(0, 20));
    next();
  }
}
