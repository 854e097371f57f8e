/**
 * How an import's messages name what the administrator can change, in the words of the face in use: the CLI's flags
 * ("give --date-order day-month|month-day") or the console's fields ("choose the date order"). The readers, the
 * planner and the workflow say every such hint through an `ImportWords`, so a console never shows a flag it does not
 * have and the CLI's messages stay as documented. Everything else in a message (what is wrong with the file) is the
 * same for both.
 */
import { IMPORT_FORMAT_LABELS, type ImportFormat } from '../../../shared/imports.js';

export interface ImportWords {
  /** The option that reads the file as `format`: "--from keepass-xml". */
  format(format: ImportFormat): string;
  /** How to read the file as another format: "use --from bitwarden-sm-json". */
  useFormat(format: ImportFormat): string;
  /** What gives a KeePass database's password or key file: "its password (--password-stdin, ...) or --key-file". */
  credentials: string;
  /** How to say which column holds `field`: "--map COLUMN=name". */
  matchColumn(field: string): string;
  /** One column match as a thing, to start a sentence with: "--map". */
  aColumnMatch: string;
  /** What a column match is made of, given the fields it may name. */
  columnMatchShape(fields: string): string;
  /** How to give the order of day/month dates. */
  giveDateOrder: string;
  /** Said after "dates read as day-month": where that order came from. */
  dateOrderChosen: string;
  /** The option that replaces keys edited in Keywarden since the last import. */
  overwrite: string;
  /** The option that creates the manual backend the import names. */
  createBackend: string;
  /** What to do when the backend named does not exist. */
  createBackendHint: string;
}

export const CLI_WORDS: ImportWords = {
  format: (format) => `--from ${format}`,
  useFormat: (format) => `use --from ${format}`,
  credentials: 'its password (--password-stdin, or typed at the prompt) or --key-file',
  matchColumn: (field) => `--map COLUMN=${field}`,
  aColumnMatch: '--map',
  columnMatchShape: (fields) => `--map takes COLUMN=FIELD, FIELD one of ${fields}`,
  giveDateOrder: 'give --date-order day-month|month-day',
  dateOrderChosen: '--date-order',
  overwrite: '--overwrite',
  createBackend: '--create-backend',
  createBackendHint: 'add --create-backend to create a manual backend of that name',
};

/** The console's Import dialog: its fields by their labels (renderer/src/imports/ImportDialog.tsx). */
export const CONSOLE_WORDS: ImportWords = {
  format: (format) => `the format "${IMPORT_FORMAT_LABELS[format]}"`,
  useFormat: (format) => `choose the format "${IMPORT_FORMAT_LABELS[format]}"`,
  credentials: 'its password, or its key file',
  matchColumn: (field) => `a column match (the column's name, then "${field}")`,
  aColumnMatch: 'a column match',
  columnMatchShape: (fields) => `a column match is a column's name and a field, one of ${fields}`,
  giveDateOrder: 'choose the date order',
  dateOrderChosen: 'as chosen',
  overwrite: '"Replace keys edited in Keywarden"',
  createBackend: '"New backend"',
  createBackendHint: 'choose "New backend" to create a manual backend of that name',
};
