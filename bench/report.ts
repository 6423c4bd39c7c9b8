/** The suite's output: results.json, results.md and chart.svg (requests per second and p99 per scenario). */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadResult } from "./load.ts";
import type { StartupFigures } from "./startup-modes.ts";

export interface Ratio {
  name: string;
  value: number;
  goal: string;
  pass: boolean;
  /** The two figures it divides, in words. */
  from: string;
}

export interface Report {
  meta: Record<string, string | number | boolean>;
  scenarios: LoadResult[];
  ratios: Ratio[];
  extra: Array<{ name: string; value: string }>;
  startup: StartupFigures | null;
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "–");

const cpuCell = (cpu: LoadResult["cpuPerRequest"] | undefined) =>
  cpu ? [cpu.serverMs, cpu.postgresMs, cpu.loadGeneratorMs].map((v) => (v === null || !Number.isFinite(v) ? "–" : v.toFixed(2))).join(" / ") : "–";

export function markdown(report: Report): string {
  const lines = [
    `# Latchkey benchmark results`,
    "",
    Object.entries(report.meta).map(([k, v]) => `- ${k}: ${v}`).join("\n"),
    "",
    "## Ratios (measured in this run)",
    "",
    "| ratio | value | goal | met | from |",
    "|---|---:|---|---|---|",
    ...report.ratios.map((r) => `| ${r.name} | ${r.value.toFixed(3)} | ${r.goal} | ${r.pass ? "yes" : "**no**"} | ${r.from} |`),
    "",
    "## Scenarios",
    "",
    "CPU ms per request: the server process (argon2's threads included) / the PostgreSQL processes / the load generator, on the same cores.",
    "",
    "| scenario | conn. | requests | req/s | p50 ms | p90 ms | p99 ms | CPU ms per request | server RSS MiB | other answers |",
    "|---|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ...report.scenarios.map((s) => {
      const odd = Object.entries(s.unexpected).map(([status, n]) => `${n}× ${status}`).concat(s.errors ? [`${s.errors} errors`] : []);
      return `| ${s.name} | ${s.connections} | ${s.n} | ${f0(s.rps)} | ${f1(s.p50)} | ${f1(s.p90)} | ${f1(s.p99)} | ${cpuCell(s.cpuPerRequest)} | ${f0(s.rssMiB)} | ${odd.join(", ") || "none"} |`;
    }),
    "",
    ...(report.extra.length ? ["## Other figures", "", ...report.extra.map((e) => `- ${e.name}: ${e.value}`), ""] : []),
  ];
  if (report.startup) {
    const s = report.startup;
    lines.push(
      "## Start-up (process start to the first 200 from /readyz)",
      "",
      "| database | runs | median ms | min ms | max ms |",
      "|---|---:|---:|---:|---:|",
      ...([["PostgreSQL", s.postgres], ["PGlite, existing folder", s.pgliteExisting], ["PGlite, fresh folder", s.pgliteFresh]] as const).map(
        ([name, v]) => `| ${name} | ${v.n} | ${f0(v.median)} | ${f0(v.min)} | ${f0(v.max)} |`,
      ),
      "",
    );
  }
  return lines.join("\n");
}

const escapeXml = (text: string) => text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] ?? c);

/** Two panels side by side, one row per scenario: requests per second (left) and p99 in ms (right), each on its own linear scale. */
export function chart(scenarios: LoadResult[]): string {
  const rowHeight = 22;
  const top = 40;
  const labelWidth = 330;
  const panelWidth = 300;
  const gap = 90;
  const height = top + scenarios.length * rowHeight + 20;
  const width = labelWidth + panelWidth * 2 + gap + 70;
  const maxRps = Math.max(...scenarios.map((s) => s.rps), 1);
  const maxP99 = Math.max(...scenarios.map((s) => (Number.isFinite(s.p99) ? s.p99 : 0)), 1);
  const rows = scenarios.map((s, i) => {
    const y = top + i * rowHeight;
    const rpsWidth = (s.rps / maxRps) * panelWidth;
    const p99 = Number.isFinite(s.p99) ? s.p99 : 0;
    const p99Width = (p99 / maxP99) * panelWidth;
    const right = labelWidth + panelWidth + gap;
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(s.name)}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${rpsWidth.toFixed(1)}" height="14" fill="#2f6fb0"/>`,
      `<text x="${(labelWidth + rpsWidth + 4).toFixed(1)}" y="${y + 15}">${f0(s.rps)}</text>`,
      `<rect x="${right}" y="${y + 4}" width="${p99Width.toFixed(1)}" height="14" fill="#c0592b"/>`,
      `<text x="${(right + p99Width + 4).toFixed(1)}" y="${y + 15}">${f1(p99)}</text>`,
    ].join("");
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${labelWidth}" y="24" font-weight="bold">requests per second</text>`,
    `<text x="${labelWidth + panelWidth + gap}" y="24" font-weight="bold">p99 latency (ms)</text>`,
    ...rows,
    `</svg>`,
    "",
  ].join("\n");
}

export function writeReport(folder: string, report: Report): { json: string; md: string; svg: string } {
  mkdirSync(folder, { recursive: true });
  const paths = { json: join(folder, "results.json"), md: join(folder, "results.md"), svg: join(folder, "chart.svg") };
  writeFileSync(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(paths.md, `${markdown(report)}\n![requests per second and p99 per scenario](chart.svg)\n`);
  writeFileSync(paths.svg, chart(report.scenarios));
  return paths;
}
