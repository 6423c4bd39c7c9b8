/**
 * Formula injection: a spreadsheet runs a cell that starts with = + - @ (or their full-width
 * forms, which some read as the ASCII ones). A cell starts not only where ours does: a spreadsheet
 * set to another separator (`;` or tab in many locales), or one that ignores our quotes, starts a
 * new cell after any of , ; tab and after a line break, and may skip the spaces and quotes before
 * the text. So wherever a formula character follows one of those, after any spaces and quotes,
 * a ' goes in front of it: the spreadsheet shows it as text, and a reader still sees the name.
 */
const FORMULA_AFTER_CELL_BREAK = /(^|[,;\t\r\n\v\f\u0085\u2028\u2029])([\s"]*)(?=[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/g;
/** The apostrophe toCsv puts in, where it puts it: what reading a file of ours takes out again. */
const GUARD_BEFORE_FORMULA = /(^|[,;\t\r\n\v\f\u0085\u2028\u2029])([\s"]*)'(?=[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/g;

const csvCell = (value: string) => `"${value.replace(FORMULA_AFTER_CELL_BREAK, "$1$2'").replaceAll('"', '""')}"`;

/** RFC 4180 CSV, every cell quoted, safe to open in a spreadsheet whatever separator it assumes. */
export function toCsv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/**
 * A cell as it was before toCsv guarded it: "'=SUM" reads back as "=SUM", so a file exported here
 * imports the names it holds. (A name that itself began with an apostrophe before = + - @ loses it.)
 */
export const unguardCell = (cell: string): string => cell.replace(GUARD_BEFORE_FORMULA, "$1$2");

export interface CsvRecord {
  /** The line of the file the record starts on, counting from 1 (a quoted cell may span lines). */
  line: number;
  cells: string[];
}

export type ParsedCsv = { ok: true; records: CsvRecord[] } | { ok: false; line: number; problem: string };

/** The separator the first record uses outside quotes: a comma if any, else `;`, else a tab. */
function separatorOf(text: string): string {
  const seen = new Set<string>();
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\r" || ch === "\n")) break;
    else if (!quoted) seen.add(ch);
  }
  return [",", ";", "\t"].find((candidate) => seen.has(candidate)) ?? ",";
}

/**
 * Reads CSV as spreadsheets write it (RFC 4180, leniently): a byte order mark, CRLF, LF or CR line
 * ends, quoted cells with "" for a quote, and `,` — or `;` or a tab when the first line holds no
 * comma, as spreadsheets set to many locales save. Blank lines are skipped. A quote left open, or
 * text after a closing quote, is a problem with its line, never a guess.
 */
export function parseCsv(input: string): ParsedCsv {
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  const separator = separatorOf(text);
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = "";
      if (text[i] === '"') {
        const opened = line;
        i++;
        for (;;) {
          if (i >= text.length) return { ok: false, line: opened, problem: "A quoted cell is never closed: a quote is missing." };
          const ch = text[i] ?? "";
          if (ch === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === "\n" || (ch === "\r" && text[i + 1] !== "\n")) line++;
          cell += ch;
          i++;
        }
        const next = text[i];
        if (next !== undefined && next !== separator && next !== "\r" && next !== "\n") {
          return { ok: false, line, problem: "Text follows a closing quote. Quote the whole cell, and write a quote inside it as two quotes." };
        }
      } else {
        while (i < text.length && text[i] !== separator && text[i] !== "\r" && text[i] !== "\n") cell += text[i++];
      }
      cells.push(cell);
      if (text[i] === separator) {
        i++;
        continue;
      }
      break;
    }
    // The record ends at a line break or at the end of the text.
    if (text[i] === "\r") i += text[i + 1] === "\n" ? 2 : 1;
    else if (text[i] === "\n") i++;
    line++;
    if (cells.length > 1 || (cells[0] ?? "").trim() !== "") records.push({ line: start, cells });
  }
  return { ok: true, records };
}
