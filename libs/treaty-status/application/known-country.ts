import { notFound, type Iso3 } from '../../kernel/index.js';
import type { EventStore } from '../../event-store/index.js';
import { countryStreamId } from '../domain/treaty-status.events.js';

/**
 * The states each store is known to hold: a registered state is never unregistered, so once
 * seen it need not be read again (every command checks its country, and on a bare FerretDB,
 * without deploy/infra's equality indexes, every read is a scan of the log).
 */
const knownStates = new WeakMap<EventStore, Set<Iso3>>();

/** Checks that a country is in the reference list, so nothing is recorded for a typo. */
export async function requireKnownCountry(store: EventStore, iso3: Iso3, field = 'iso3'): Promise<void> {
  const known = knownStates.get(store) ?? knownStates.set(store, new Set()).get(store)!;
  if (known.has(iso3)) return;
  if ((await store.readStream(countryStreamId(iso3))).length === 0) {
    throw notFound('unknown-country', `${iso3} is not a state in Demarche's reference list (ISO 3166-1 alpha-3, upper case).`, field);
  }
  known.add(iso3);
}
