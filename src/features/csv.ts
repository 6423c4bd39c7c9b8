/**
 * Formula injection: a spreadsheet runs a cell that starts with = + - @ (or their full-width
 * forms, which some read as the ASCII ones). A cell starts not only where ours does: a spreadsheet
 * set to another separator (`;` or tab in many locales), or one that ignores our quotes, starts a
 * new cell after any of , ; tab and after a line break, and may skip the spaces and quotes before
 * the text. So wherever a formula character follows one of those, after any spaces and quotes,
 * a ' goes in front of it: the spreadsheet shows it as text, and a reader still sees the name.
 */
const FORMULA_AFTER_CELL_BREAK = /(^|[,;\t\r\n\v\f\u0085\u2028\u2029])([\s"]*)(?=[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/g;

const csvCell = (value: string) => `"${value.replace(FORMULA_AFTER_CELL_BREAK, "$1$2'").replaceAll('"', '""')}"`;

/** RFC 4180 CSV, every cell quoted, safe to open in a spreadsheet whatever separator it assumes. */
export function toCsv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
