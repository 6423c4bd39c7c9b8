import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import type { z } from "zod";
import type { Config } from "../config.ts";
import type { Deps } from "../deps.ts";

/** Where a command writes: the terminal in real use, an array in tests. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export type CommandRunner = (deps: Deps, io: CliIo) => Promise<void>;
/** Work on the data folder itself (backup, restore): the database is not opened, migrated or queued for. */
export interface WithoutDepsRunner {
  withoutDeps(config: Config, io: CliIo): Promise<void>;
}

export interface CliCommand {
  name: string;
  summary: string;
  /** Shown by `latchkey <command> --help`. */
  help: string;
  /** Checks the arguments before any database is opened, and returns the work to do. */
  prepare(argv: string[]): CommandRunner | WithoutDepsRunner;
}

/** A mistake in how the command was typed: one line, exit code 1, no database touched. */
export class CliUsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

export function parseOptions(command: string, argv: string[], options: ParseArgsOptionsConfig): Values {
  try {
    return parseArgs({ args: withNegativeValues(argv, options), strict: true, allowPositionals: false, options }).values as Values;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const quoted = /'([^']+)'/.exec(message)?.[1];
    const said =
      code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? `unknown option ${quoted ?? ""}` :
      code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" ? `unexpected argument "${quoted ?? ""}"` :
      code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" ? `${quoted?.split(" ")[0] ?? "an option"} needs a value` :
      message;
    throw new CliUsageError(`${command}: ${said} (see latchkey ${command} --help)`);
  }
}

/**
 * `--allowance -3` is a value, not an option: parseArgs would take "-3" for a flag and report the
 * value missing, so a negative number after an option that takes a value is joined to it
 * (`--allowance=-3`) and reaches the option's own check, which says what is wrong with it.
 */
function withNegativeValues(argv: string[], options: ParseArgsOptionsConfig): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? "";
    const next = argv[i + 1];
    const name = arg.startsWith("--") ? arg.slice(2) : null;
    if (name && options[name]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** Checks one option with the same zod schema the API uses for that field. */
export function option<S extends z.ZodType>(command: string, values: Values, name: string, schema: S, required: true): z.output<S>;
export function option<S extends z.ZodType>(command: string, values: Values, name: string, schema: S, required: false): z.output<S> | undefined;
export function option<S extends z.ZodType>(command: string, values: Values, name: string, schema: S, required: boolean): z.output<S> | undefined {
  const raw = values[name];
  if (raw === undefined) {
    if (required) throw new CliUsageError(`${command}: --${name} is required (see latchkey ${command} --help)`);
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliUsageError(`${command}: --${name}: ${issue?.message ?? "not a valid value"}`);
  }
  return parsed.data;
}

/** Left-aligned columns, for a terminal. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** 2025-01-31 14:05 UTC: a date an operator can read and paste. */
export function formatTime(date: Date | null): string {
  return date ? `${date.toISOString().slice(0, 16).replace("T", " ")} UTC` : "";
}
