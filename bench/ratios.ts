/** The ratios of issue 6 (and issues 3 and 4), each from figures measured in the same run. */
import type { Ratio, Report } from "./report.ts";
import type { AuthFigures } from "./scenarios/auth.ts";
import type { LoginRatioFigures } from "./scenarios/login-ratio.ts";
import { LIST_CONNECTIONS, SEARCH, type PageFigures } from "./scenarios/pages.ts";
import { SLOW_SMTP_MS, type ResetFigures } from "./scenarios/resets.ts";

const ratio = (name: string, value: number, goal: string, pass: (v: number) => boolean, from: string): Ratio => ({ name, value, goal, pass: pass(value), from });
const ms = (value: number | undefined, digits = 2) => `${(value ?? Number.NaN).toFixed(digits)} ms`;

/**
 * The login ratio's gap, in CPU: a bare verification costs cores ÷ rate milliseconds of CPU; the
 * server's time beyond that, PostgreSQL's and the load generator's all come out of the same cores.
 */
function loginCpu(login: AuthFigures["login"], argon2PerSecond: number, cores: number): string {
  if (!login.cpuPerRequest) return "not measured";
  const { serverMs, serverPoolMs, postgresMs, loadGeneratorMs } = login.cpuPerRequest;
  const hashMs = (cores * 1000) / argon2PerSecond;
  const part = (v: number | null) => (v === null ? "unknown" : v.toFixed(2));
  const total = (serverMs ?? 0) + (postgresMs ?? 0) + loadGeneratorMs;
  const rest = serverMs === null || serverPoolMs === null ? null : serverMs - serverPoolMs;
  return `${total.toFixed(2)} in all — the server's hashing threads ${part(serverPoolMs)} (a bare verification: ${hashMs.toFixed(2)}), the rest of the server ${part(rest)}, PostgreSQL ${part(postgresMs)}, the load generator ${loadGeneratorMs.toFixed(2)}`;
}

/**
 * Where a login's CPU goes with the server on its own cores: its hashing threads, the rest of it,
 * and what ran on the other cores. Hashing's share of the server's CPU is the ratio again, from CPU
 * time alone: unlike the rates, it cannot be moved by the machine speeding up or slowing down between
 * the slices of verifications and of logins.
 */
function ownCoresCpu(figures: LoginRatioFigures): string {
  const { serverMs, serverPoolMs, postgresMs, loadGeneratorMs } = figures.cpu;
  const part = (v: number | null) => (v === null || !Number.isFinite(v) ? "unknown" : v.toFixed(2));
  const bareMs = (figures.argon2.cores * 1000) / figures.argon2.perSecond;
  const rest = serverMs === null || serverPoolMs === null ? null : serverMs - serverPoolMs;
  const share = serverMs && serverPoolMs !== null ? `; hashing's share of the server's CPU ${(serverPoolMs / serverMs).toFixed(3)}` : "";
  return `on the server's core(s) ${figures.split.server}: hashing threads ${part(serverPoolMs)} (a bare verification there: ${bareMs.toFixed(2)}), the rest of the server ${part(rest)}; on the other core(s): PostgreSQL ${part(postgresMs)}, the load generator ${part(loadGeneratorMs)}${share}`;
}

export function ratiosOf(figures: { pages?: PageFigures; auth?: AuthFigures; resets?: ResetFigures }): Pick<Report, "ratios" | "extra"> {
  const { pages, auth, resets } = figures;
  const ratios: Ratio[] = [];
  const extra: Report["extra"] = [];
  if (auth) {
    const { login, argon2, ownCores, session, sessionDuringStorm, stormBesideSessions } = auth;
    const forgot = auth.forgotMixed.byLabel;
    const existing = forgot.existing?.p50 ?? Number.NaN;
    const unknown = forgot.unknown?.p50 ?? Number.NaN;
    const sharing = `${login.rps.toFixed(1)} logins/s ÷ ${argon2.perSecond.toFixed(1)} verifications/s`;
    if (ownCores) {
      const { loginsPerSecond, argon2: bare, split, rounds } = ownCores;
      ratios.push(ratio("login rate ÷ bare argon2id verifications, on the server's own cores", loginsPerSecond / bare.perSecond, "≥ 0.85", (v) => v >= 0.85, `${loginsPerSecond.toFixed(1)} logins/s ÷ ${bare.perSecond.toFixed(1)} verifications/s on core(s) ${split.server}, ${rounds} alternating slices`));
      extra.push(
        { name: "login rate ÷ bare argon2id verifications, with PostgreSQL and the load generator on the server's cores too (not the issue's measure)", value: `${(login.rps / argon2.perSecond).toFixed(3)}: ${sharing}` },
        { name: "where a login's CPU goes, server on its own cores (ms per login)", value: ownCoresCpu(ownCores) },
      );
    } else {
      ratios.push(ratio("login rate ÷ bare argon2id verifications (cores not split: PostgreSQL and the load generator share them)", login.rps / argon2.perSecond, "≥ 0.85", (v) => v >= 0.85, sharing));
    }
    ratios.push(
      ratio("forgot password median, existing ÷ unknown address", existing / unknown, "0.97 – 1.03", (v) => v >= 0.97 && v <= 1.03, `${ms(existing, 3)} ÷ ${ms(unknown, 3)}, ${forgot.existing?.n} and ${forgot.unknown?.n} requests alternating`),
      ratio("session checks/s during a login storm ÷ alone", sessionDuringStorm.rps / session.rps, "≥ 0.5", (v) => v >= 0.5, `${sessionDuringStorm.rps.toFixed(0)} ÷ ${session.rps.toFixed(0)} requests/s (the storm meanwhile: ${stormBesideSessions.rps.toFixed(1)} logins/s)`),
    );
    extra.push(
      { name: "bare argon2id verifications per second, by concurrency", value: Object.entries(argon2.byConcurrency).map(([c, v]) => `${c} at once: ${v.toFixed(1)}`).join(", ") },
      { name: "forgot password medians, existing / unknown address (alternating on every connection)", value: `${ms(existing, 3)} / ${ms(unknown, 3)}` },
      { name: "where a login's CPU goes, everything on all cores (ms per login)", value: loginCpu(login, argon2.perSecond, argon2.cores) },
    );
  }
  if (pages) {
    const { search100k, search1k, usersList, managedLinked, managedNone, linkedUsers, plainUsers } = pages;
    ratios.push(
      ratio(`users search q=${SEARCH}, 100,000 ÷ 1,000 users (median)`, search100k.p50 / search1k.p50, "≤ 1.5", (v) => v <= 1.5, `${ms(search100k.p50)} ÷ ${ms(search1k.p50)}`),
      ratio(`users list p99 ÷ p50, ${LIST_CONNECTIONS} connections`, usersList.p99 / usersList.p50, "≤ 4", (v) => v <= 4, `${ms(usersList.p99)} ÷ ${ms(usersList.p50)}`),
      ratio("managed companies, 1,000 linked ÷ no links (median)", managedLinked.p50 / managedNone.p50, "≤ 2", (v) => v <= 2, `${ms(managedLinked.p50)} ÷ ${ms(managedNone.p50)}`),
      ratio("a linked company's users list ÷ same-size plain company (median)", linkedUsers.p50 / plainUsers.p50, "≤ 2", (v) => v <= 2, `${ms(linkedUsers.p50)} ÷ ${ms(plainUsers.p50)}`),
    );
  }
  if (resets) {
    const { trigger, triggerSlowSmtp } = resets;
    ratios.push(
      ratio(`trigger reset median, SMTP taking ${SLOW_SMTP_MS / 1000} s per message ÷ normal SMTP`, triggerSlowSmtp.p50 / trigger.p50, "≤ 1.5 (never waits for SMTP)", (v) => v <= 1.5, `${ms(triggerSlowSmtp.p50)} ÷ ${ms(trigger.p50)}`),
    );
    extra.push(
      { name: "admin-triggered resets per second", value: trigger.rps.toFixed(1) },
      { name: `trigger reset medians, normal SMTP / SMTP taking ${SLOW_SMTP_MS / 1000} s per message`, value: `${ms(trigger.p50)} / ${ms(triggerSlowSmtp.p50)}` },
      { name: "emails of the slow-SMTP run still waiting for the SMTP server once all its requests had been answered", value: String(resets.stillQueuedAfterSlowRun) },
    );
  }
  return { ratios, extra };
}
