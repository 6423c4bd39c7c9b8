import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCsv, toCsv, unguardCell } from "../../src/features/csv.ts";
import { FORMULA_START, parseQuotedCsv, spreadsheetCells } from "../support/csv.ts";

/** The cell as written, less the ' the export put before a formula character. Null when the export changed anything else. */
function withoutInsertedApostrophes(written: string, original: string): string | null {
  let j = 0;
  let out = "";
  for (let i = 0; i < written.length; i++) {
    if (written[i] === original[j]) {
      out += original[j++];
    } else if (written[i] === "'" && FORMULA_START.test(written.slice(i + 1))) {
      continue;
    } else {
      return null;
    }
  }
  return j === original.length ? out : null;
}

// Strings made mostly of what an attacker would use: separators, line breaks, formula characters
// (ASCII and full-width), quotes and spaces, with any other character now and then.
const hostileChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(",", ";", "\t", "\r", "\n", "\r\n", "=", "+", "-", "@", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20", '"', "'", " ", "\u00A0", "\u3000", "|", "!", "\u2028", "\u0085", "\v") },
  { weight: 3, arbitrary: fc.constantFrom("a", "B", "1", "cmd", "SUM(A1)", "calc", "é", "山") },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
);
const hostileCell = fc.string({ unit: hostileChar, maxLength: 24 });
const table = fc.record({
  header: fc.array(hostileCell, { minLength: 1, maxLength: 4 }),
  rows: fc.array(fc.array(hostileCell, { minLength: 1, maxLength: 4 }), { maxLength: 4 }),
});

const DDE = "Bob;=cmd|' /C calc'!A0;";

describe("CSV export (formula injection, issue 14)", () => {
  it.each([
    [DDE, "Bob;'=cmd|' /C calc'!A0;"],
    ["=1+2", "'=1+2"],
    ["Bob; =cmd", "Bob; '=cmd"],
    ["Bob,=cmd", "Bob,'=cmd"],
    ["a,\t@SUM(A1)", "a,\t'@SUM(A1)"],
    ["name\tx\t+1", "name\tx\t'+1"],
    ["first line\r\n-2+3", "first line\r\n'-2+3"],
    ['"=HYPERLINK(""http://evil"")"', '"\'=HYPERLINK(""http://evil"")"'],
    ['x; " =1', 'x; " \'=1'],
    ["\uFF1DHYPERLINK(1)", "'\uFF1DHYPERLINK(1)"],
    ["Ana;\uFF20x;\uFF0B1;\uFF0D1", "Ana;'\uFF20x;'\uFF0B1;'\uFF0D1"],
    ["Jean-Luc Picard", "Jean-Luc Picard"],
    ["ana@example.test", "ana@example.test"],
    ["2025-01-31T12:00:00.000Z", "2025-01-31T12:00:00.000Z"],
    ["C++ & C#", "C++ & C#"],
    ["", ""],
  ])("writes %j as %j, quoted", (cell, written) => {
    expect(toCsv(["name"], [[cell]])).toBe(`"name"\r\n"${written.replaceAll('"', '""')}"\r\n`);
  });

  it("opened in a ';' locale, the DDE example is text in every cell", () => {
    const csv = toCsv(["id", "name"], [["1", DDE]]);
    for (const honourQuotes of [false, true]) {
      const cells = spreadsheetCells(csv, ";", honourQuotes);
      expect(cells.filter((cell) => FORMULA_START.test(cell)), `${honourQuotes ? "honouring" : "ignoring"} quotes`).toEqual([]);
    }
  });

  it("round-trips any table through RFC 4180, every cell quoted, each changed only by a ' before a formula character", () => {
    fc.assert(
      fc.property(table, ({ header, rows }) => {
        const written = parseQuotedCsv(toCsv(header, rows));
        const original = [header, ...rows];
        expect(written).toHaveLength(original.length);
        written.forEach((row, r) => {
          expect(row).toHaveLength(original[r]?.length ?? -1);
          row.forEach((cell, c) => {
            const before = original[r]?.[c] ?? "";
            expect(withoutInsertedApostrophes(cell, before), JSON.stringify({ before, cell })).toBe(before);
            // Nothing to neutralise, nothing changed.
            if (!/[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/.test(before)) expect(cell).toBe(before);
          });
        });
      }),
      { numRuns: 2_000 },
    );
  });

  for (const separator of [",", ";", "\t"]) {
    for (const honourQuotes of [false, true]) {
      it(`leaves no cell starting a formula when split by ${JSON.stringify(separator)}, ${honourQuotes ? "honouring" : "ignoring"} quotes`, () => {
        fc.assert(
          fc.property(table, ({ header, rows }) => {
            const csv = toCsv(header, rows);
            for (const cell of spreadsheetCells(csv, separator, honourQuotes)) {
              expect(FORMULA_START.test(cell), JSON.stringify({ cell, csv })).toBe(false);
            }
          }),
          { numRuns: 2_000 },
        );
      });
    }
  }
});

describe("parseCsv and unguardCell read back what toCsv writes", () => {
  it("gives back every cell, the export's apostrophes taken out, with the line each record starts on", () => {
    fc.assert(
      fc.property(fc.array(hostileCell, { minLength: 1, maxLength: 4 }), fc.array(fc.array(hostileCell, { minLength: 1, maxLength: 4 }), { maxLength: 6 }), (header, body) => {
        // An apostrophe of the cell's own before a formula character cannot be told from the export's.
        const readable = (cell: string) => unguardCell(cell) === cell;
        fc.pre([header, ...body].every((row) => row.every(readable)));
        const rows = body.map((row) => header.map((_, i) => row[i] ?? ""));
        const parsed = parseCsv(toCsv(header, rows));
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        const records = [header, ...rows].filter((row) => row.length > 1 || (row[0] ?? "").trim() !== "");
        expect(parsed.records.map((record) => record.cells.map(unguardCell))).toEqual(records);
        if (records[0] === header) expect(parsed.records[0]?.line).toBe(1);
      }),
    );
  });

  it("reads a byte order mark, LF, CR and CRLF, `;` and tab separators, and skips blank lines", () => {
    expect(parseCsv('\uFEFFname;email\r\n\r\n"A; B";a@x.test\rC;c@x.test\n')).toEqual({ ok: true, records: [{ line: 1, cells: ["name", "email"] }, { line: 3, cells: ["A; B", "a@x.test"] }, { line: 4, cells: ["C", "c@x.test"] }] });
    expect(parseCsv("name\temail\nA\ta@x.test")).toEqual({ ok: true, records: [{ line: 1, cells: ["name", "email"] }, { line: 2, cells: ["A", "a@x.test"] }] });
    expect(parseCsv('"a\nb",c\nd,e\n')).toEqual({ ok: true, records: [{ line: 1, cells: ["a\nb", "c"] }, { line: 3, cells: ["d", "e"] }] });
  });

  it("names the line of a quote never closed, and of text after a closing quote", () => {
    expect(parseCsv('name,email\n"Ada,ada@x.test\n')).toMatchObject({ ok: false, line: 2 });
    expect(parseCsv('name,email\n"Ada" Lovelace,ada@x.test\n')).toMatchObject({ ok: false, line: 2 });
  });
});
