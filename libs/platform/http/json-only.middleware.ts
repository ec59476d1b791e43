import { Injectable, UnsupportedMediaTypeException, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Writes carry JSON: a body of another media type is refused rather than read as empty. */
@Injectable()
export class JsonOnlyMiddleware implements NestMiddleware {
  use(req: Request, _res: Response, next: NextFunction): void {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (req.method !== 'GET' && hasBody && !req.is('application/json')) {
      throw new UnsupportedMediaTypeException(`Send the body as JSON with Content-Type: application/json (got ${req.headers['content-type'] ?? 'none'}).`);
    }
    next();
  }
}
