import type { Iso3, LocalDate } from '../../kernel/index.js';

/** DI token of {@link PastDossiers}. */
export const PAST_DOSSIERS = Symbol('PastDossiers');

/**
 * A country's dossier on a past day, every field with its provenance. The analysts' context
 * keeps the dated histories and provides it; reporting only answers today's questions.
 */
export interface PastDossiers {
  dossier(iso3: Iso3, treaty: string, at: { readonly asOf: LocalDate; readonly knownAt?: string }): Promise<object>;
}
