import isoCountries from 'i18n-iso-countries';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import type { FeatureCollection } from 'geojson';
import countries110m from 'world-atlas/countries-110m.json';

/**
 * The world's countries from Natural Earth (world-atlas, 1:110m), keyed by ISO 3166-1
 * alpha-3 so Demarche's states join them. Features without a code (disputed areas) are
 * left out; states too small for this scale appear in the tables, not on the map.
 */
export function worldByIso3(): FeatureCollection {
  const topology = countries110m as unknown as Topology;
  const all = feature(topology, topology.objects.countries!) as FeatureCollection;
  const features = all.features.flatMap((f) => {
    const iso3 = f.id === undefined ? undefined : isoCountries.numericToAlpha3(String(f.id).padStart(3, '0'));
    return iso3 ? [{ ...f, id: iso3, properties: { ...f.properties, name: iso3 } }] : [];
  });
  return { type: 'FeatureCollection', features };
}
