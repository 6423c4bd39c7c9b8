import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { migrationsFolder } from "../../src/db/client.ts";

/**
 * Decision 0042: during a rolling upgrade the previous release runs against the new schema, so a
 * migration after the baseline may only add — tables, nullable columns or columns with a default,
 * indexes, enum values — and never take away or change what the previous release reads or writes.
 * A removal (contract) ships in a later release than the change that stopped using it, and says
 * so in a line `-- contract: <what the previous release no longer uses>, decision <number>`, so a
 * reviewer sees it and it is never written by accident.
 */
const BASELINE = 11; // 0000–0011 predate the policy (0005 dropped a column: decision 0015).

interface Finding {
  rule: string;
  statement: string;
}

const RULES: Array<{ rule: string; test: (sql: string) => boolean }> = [
  { rule: "drops a table, column, type, view or schema", test: (s) => /\bdrop\s+(table|column|type|view|materialized\s+view|schema|function|sequence)\b/i.test(s) },
  { rule: "renames something", test: (s) => /\brename\b/i.test(s) },
  { rule: "changes a column's type", test: (s) => /\balter\s+column\b[^;]*\b(set\s+data\s+)?type\b/i.test(s) },
  { rule: "makes a column NOT NULL (the previous release may write NULL or omit it)", test: (s) => /\bset\s+not\s+null\b/i.test(s) },
  {
    rule: "adds a NOT NULL column without a default (the previous release's INSERTs omit it)",
    test: (s) => /\badd\s+column\b/i.test(s) && /\bnot\s+null\b/i.test(s) && !/\bdefault\b/i.test(s) && !/\bgenerated\b/i.test(s),
  },
  { rule: "adds a CHECK, UNIQUE or FOREIGN KEY the previous release's writes may break (add it NOT VALID, or contract later)", test: (s) => /\badd\s+constraint\b[^;]*\b(check|unique|foreign\s+key)\b/i.test(s) && !/\bnot\s+valid\b/i.test(s) },
  { rule: "truncates or deletes data", test: (s) => /^\s*(truncate|delete\s+from)\b/im.test(s) },
];

export function expandOnlyFindings(sql: string): Finding[] {
  const statements = sql.split("--> statement-breakpoint").map((text) => text.replace(/^\s*--.*$/gm, "").trim()).filter(Boolean);
  return statements.flatMap((statement) => RULES.filter(({ test }) => test(statement)).map(({ rule }) => ({ rule, statement: statement.slice(0, 200) })));
}

const CONTRACT_MARK = /^--\s*contract:\s*\S.*decision\s+\d{4}/im;

describe("migrations only expand (decision 0042)", () => {
  const files = readdirSync(migrationsFolder).filter((name) => /^\d{4}_.*\.sql$/.test(name)).sort();

  it("has no migration after the baseline that takes away what the previous release uses, unless marked as a contract step", () => {
    const offending = files
      .filter((name) => Number(name.slice(0, 4)) > BASELINE)
      .flatMap((name) => {
        const sql = readFileSync(join(migrationsFolder, name), "utf8");
        if (CONTRACT_MARK.test(sql)) return [];
        return expandOnlyFindings(sql).map((finding) => `${name}: ${finding.rule}\n    ${finding.statement}`);
      });
    expect(offending, `Rolling upgrades run the previous release on the new schema (decision 0042):\n${offending.join("\n")}`).toEqual([]);
  });

  it("catches what would break the previous release, and lets additions through", () => {
    const refused = [
      'ALTER TABLE "users" DROP COLUMN "name";',
      'DROP TABLE "sessions";',
      'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";',
      'ALTER TABLE "emails" ALTER COLUMN "attempts" SET DATA TYPE bigint;',
      'ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL;',
      'ALTER TABLE "users" ADD COLUMN "locale" text NOT NULL;',
      'ALTER TABLE "users" ADD CONSTRAINT "users_locale_check" CHECK (locale <> \'\');',
      'DROP TYPE "public"."email_status";',
      "DELETE FROM emails WHERE status = 'sent';",
    ];
    for (const sql of refused) expect(expandOnlyFindings(sql), sql).not.toEqual([]);
    const allowed = [
      'CREATE TABLE "passkeys" ("id" uuid PRIMARY KEY NOT NULL, "name" text NOT NULL);',
      'ALTER TABLE "users" ADD COLUMN "locale" text;',
      'ALTER TABLE "users" ADD COLUMN "locale" text DEFAULT \'en\' NOT NULL;',
      'CREATE INDEX "users_locale_idx" ON "users" USING btree ("locale");',
      "ALTER TYPE \"public\".\"email_status\" ADD VALUE 'bounced';",
      'ALTER TABLE "users" ADD CONSTRAINT "users_locale_check" CHECK (locale <> \'\') NOT VALID;',
      'DROP INDEX "users_old_idx";',
    ];
    for (const sql of allowed) expect(expandOnlyFindings(sql), sql).toEqual([]);
    // The migration that made decision 0015 need a stop-the-world upgrade is caught.
    expect(expandOnlyFindings(readFileSync(join(migrationsFolder, files.find((name) => name.startsWith("0005_")) ?? ""), "utf8"))).not.toEqual([]);
  });
});
