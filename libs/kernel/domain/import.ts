/** One parsed line of an input file, with its line number for error messages. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: Readonly<Record<string, string>>;
}

/** Why an import stopped; nothing was written when it is thrown. */
export class ImportError extends Error {
  override name = 'ImportError';
}
