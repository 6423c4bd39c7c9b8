/** A cell a spreadsheet would run as a formula: = + - @ or their full-width forms first. */
export const FORMULA_START = /^[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/;

const LINE_BREAK = /\r\n|[\r\n\v\f\u0085\u2028\u2029]/;

/**
 * Strict RFC 4180 with `,`: every cell must be quoted ("" for a quote inside), rows end with CRLF.
 * Throws on anything else, so a test using it also proves that every cell is quoted.
 */
export function parseQuotedCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') throw new Error(`unquoted cell at ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
    let cell = "";
    i++;
    for (;;) {
      if (i >= text.length) throw new Error("unterminated quoted cell");
      if (text[i] === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        i++;
        break;
      }
      cell += text[i++];
    }
    row.push(cell);
    if (text[i] === ",") {
      i++;
    } else if (text.startsWith("\r\n", i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else {
      throw new Error(`expected , or CRLF after a cell at ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
    }
  }
  if (row.length) throw new Error("last row lacks its CRLF");
  return rows;
}

/**
 * The cells a spreadsheet could make of the text when set to `separator`: either ignoring quotes
 * altogether (a break at every separator and line break), or honouring them (no break inside
 * quotes). Each cell comes trimmed of the spaces and quotes around it, as some importers do.
 */
export function spreadsheetCells(text: string, separator: string, honourQuotes: boolean): string[] {
  const raw: string[] = [];
  if (!honourQuotes) {
    for (const line of text.split(LINE_BREAK)) raw.push(...line.split(separator));
  } else {
    let cell = "";
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] ?? "";
      if (ch === '"') quoted = !quoted;
      if (!quoted && (ch === separator || LINE_BREAK.test(ch))) {
        raw.push(cell);
        cell = "";
        continue;
      }
      cell += ch;
    }
    raw.push(cell);
  }
  return raw.map((cell) => cell.replace(/^[\s"]+|[\s"]+$/g, ""));
}
