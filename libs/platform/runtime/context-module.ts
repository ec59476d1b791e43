import type { FactoryProvider, InjectionToken } from '@nestjs/common';
import type { DemarcheConfig } from '../config/config.js';

/** What a context's module is told when an app composes it. */
export interface ContextOptions {
  readonly config: DemarcheConfig;
  /** The process serves the HTTP API: the module adds its controllers and use cases. */
  readonly api: boolean;
}

type Factory = Pick<FactoryProvider, 'useFactory' | 'inject'>;

/** A port whose adapter depends on the profile: a SQLite one embedded, a server's distributed. */
export function perProfile(token: InjectionToken, config: DemarcheConfig, adapters: { readonly embedded: Factory; readonly distributed: Factory }): FactoryProvider {
  return { provide: token, ...adapters[config.profile] };
}
