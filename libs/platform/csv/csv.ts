import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { ImportError, type CsvRecord } from '../../kernel/index.js';

/** Parses CSV text with a header row; `name` (the file) is named in every error, with the line that broke. */
export function parseCsv(text: string, name: string, requiredColumns: readonly string[]): CsvRecord[] {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, bom: true });
  } catch (error) {
    throw new ImportError(`${name}: ${(error as Error).message}`);
  }
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0]!.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  const missing = requiredColumns.filter((c) => !header.includes(c));
  if (missing.length) throw new ImportError(`${name}, line 1: the header lacks the column(s) ${missing.join(', ')}.`);
  return rows.map(({ record, info }) => ({ line: info.lines, fields: record }));
}

/** Reads a CSV file with a header row. A malformed file names the line that broke it. */
export function readCsvFile(file: string, requiredColumns: readonly string[]): CsvRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ImportError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  return parseCsv(text, file, requiredColumns);
}
