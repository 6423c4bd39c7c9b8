/** The ratios of issue 6 (and issues 3 and 4), each from figures measured in the same run. */
import type { LoadResult } from "./load.ts";
import type { Ratio, Report } from "./report.ts";
import type { MailedFigures } from "./scenario-context.ts";
import type { ApiClientFigures } from "./scenarios/api-clients.ts";
import type { AuthFigures } from "./scenarios/auth.ts";
import type { ForgotFigures } from "./scenarios/forgot.ts";
import type { LoginRatioFigures } from "./scenarios/login-ratio.ts";
import type { OidcFigures } from "./scenarios/oidc.ts";
import type { SecondFactorFigures } from "./scenarios/second-factor.ts";
import { LIST_CONNECTIONS, SEARCH, type PageFigures } from "./scenarios/pages.ts";
import { SLOW_SMTP_MS, type ResetFigures } from "./scenarios/resets.ts";

const ratio = (name: string, value: number, goal: string, pass: (v: number) => boolean, from: string): Ratio => ({ name, value, goal, pass: pass(value), from });
const ms = (value: number | undefined, digits = 2) => `${(value ?? Number.NaN).toFixed(digits)} ms`;

/**
 * Where a login's CPU goes, in ms per login: the server's hashing threads (libuv's pool) against one
 * bare verification's CPU, the rest of the server, PostgreSQL and the load generator. Then the ratio
 * again from CPU time alone — a bare verification's CPU ÷ all the CPU one login took — which the
 * machine speeding up or slowing down between slices cannot move.
 */
function loginCpu({ login, argon2 }: LoginRatioFigures, withOthers: boolean): string {
  const cpu = login.cpuPerRequest;
  if (!cpu) return "not measured";
  const part = (v: number | null) => (v === null || !Number.isFinite(v) ? "unknown" : v.toFixed(2));
  const { serverMs, serverPoolMs, postgresMs, loadGeneratorMs } = cpu;
  const rest = serverMs === null || serverPoolMs === null ? null : serverMs - serverPoolMs;
  // On its own cores the server's CPU is what those cores spent; on all cores PostgreSQL's and the load generator's count too.
  const spent = (serverMs ?? Number.NaN) + (withOthers ? (postgresMs ?? Number.NaN) + loadGeneratorMs : 0);
  const bare = argon2.cpuMsPerVerification;
  return `hashing threads ${part(serverPoolMs)} (a bare verification: ${bare.toFixed(2)}), the rest of the server ${part(rest)}, PostgreSQL ${part(postgresMs)}, the load generator ${part(loadGeneratorMs)}; a bare verification's CPU ÷ ${withOthers ? "all of it" : "the server's"}: ${(bare / spent).toFixed(3)}`;
}

const mailed = ({ requests, emails, seconds, perSecond, afterLastAnswerSeconds }: MailedFigures) =>
  `${requests} requests, ${emails === requests ? "all their emails" : `only ${emails} emails`} at the SMTP server ${seconds.toFixed(1)} s after the first request: ${perSecond.toFixed(0)} per second (the last ${afterLastAnswerSeconds.toFixed(1)} s after the last answer)`;

const rateRatio = ({ login, argon2, rounds }: LoginRatioFigures, where: string) =>
  `${login.rps.toFixed(1)} logins/s ÷ ${argon2.perSecond.toFixed(1)} verifications/s ${where}, ${rounds} alternating slices`;

/** Issue 16: each pair measured in alternating slices of the same run (scenarios/oidc.ts). */
function oidcRatios(oidc: OidcFigures): { ratios: Ratio[]; extra: Report["extra"] } {
  const { login, signIn, session, refresh, userinfo, discovery, jwks, rounds } = oidc;
  const per = (a: LoadResult, what: string, b: LoadResult, against: string) => `${a.rps.toFixed(1)} ${what}/s ÷ ${b.rps.toFixed(1)} ${against}/s, ${rounds} alternating slices each`;
  const cpu = (r: LoadResult) => {
    const c = r.cpuPerRequest;
    const part = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "?" : v.toFixed(2));
    return c ? `server ${part(c.serverMs)} (hashing threads ${part(c.serverPoolMs)}), PostgreSQL ${part(c.postgresMs)}, load generator ${part(c.loadGeneratorMs)}` : "not measured";
  };
  return {
    ratios: [
      ratio("authorization-code sign-ins ÷ dashboard logins per second", signIn.rps / login.rps, "≥ 0.9", (v) => v >= 0.9, per(signIn, "sign-ins", login, "logins")),
      ratio("refresh-token grants ÷ session checks per second", refresh.rps / session.rps, "≥ 0.25", (v) => v >= 0.25, per(refresh, "refreshes", session, "session checks")),
      ratio("userinfo ÷ session checks per second", userinfo.rps / session.rps, "≥ 0.7", (v) => v >= 0.7, per(userinfo, "userinfo", session, "session checks")),
      ratio("discovery ÷ session checks per second", discovery.rps / session.rps, "≥ 1", (v) => v >= 1, per(discovery, "discovery", session, "session checks")),
      ratio("JWKS ÷ session checks per second", jwks.rps / session.rps, "≥ 1", (v) => v >= 1, per(jwks, "JWKS", session, "session checks")),
    ],
    extra: [
      { name: "a sign-in's steps, median ms", value: Object.entries(signIn.byLabel).map(([label, l]) => `${label} ${l.p50.toFixed(2)}`).join(", ") },
      { name: "CPU ms per sign-in", value: cpu(signIn) },
      { name: "CPU ms per dashboard login", value: cpu(login) },
      { name: "CPU ms per refresh-token grant", value: cpu(refresh) },
      { name: "CPU ms per userinfo", value: cpu(userinfo) },
      { name: "CPU ms per session check", value: cpu(session) },
    ],
  };
}

/** Issue 21: forgot password ÷ the floor of a durable request, in alternating slices of the same run. */
function forgotRatios({ existing, unknown, floor, walPerRequest, rounds, mailed: toLast, mixed }: ForgotFigures): { ratios: Ratio[]; extra: Report["extra"] } {
  const over = (r: LoadResult) => `${r.rps.toFixed(0)} ÷ ${floor.rps.toFixed(0)} requests/s, ${rounds} alternating slices each`;
  const pg = (r: LoadResult) => (r.cpuPerRequest?.postgresMs ?? Number.NaN).toFixed(2);
  const server = (r: LoadResult) => (r.cpuPerRequest?.serverMs ?? Number.NaN).toFixed(2);
  const e = mixed.byLabel.existing?.p50 ?? Number.NaN;
  const u = mixed.byLabel.unknown?.p50 ?? Number.NaN;
  return {
    ratios: [
      ratio("forgot password, existing address ÷ the floor (one INSERT per request), per second", existing.rps / floor.rps, "≥ 0.6", (v) => v >= 0.6, over(existing)),
      ratio("forgot password, unknown address ÷ the floor (one INSERT per request), per second", unknown.rps / floor.rps, "≥ 0.6", (v) => v >= 0.6, over(unknown)),
      ratio("forgot password emails delivered per second, to the last", toLast.perSecond, "≥ 300", (v) => v >= 300, mailed(toLast)),
      ratio("forgot password median, existing ÷ unknown address (issue 21's run)", e / u, "0.97 – 1.03", (v) => v >= 0.97 && v <= 1.03, `${ms(e, 3)} ÷ ${ms(u, 3)}, ${mixed.byLabel.existing?.n} and ${mixed.byLabel.unknown?.n} requests alternating`),
    ],
    extra: [
      { name: "CPU ms per request, server / PostgreSQL: forgot existing, forgot unknown, the floor", value: `${server(existing)} / ${pg(existing)}, ${server(unknown)} / ${pg(unknown)}, ${server(floor)} / ${pg(floor)}` },
      { name: "WAL bytes per request (the worker's writes included): forgot existing, forgot unknown, the floor", value: `${walPerRequest.existing.toFixed(0)}, ${walPerRequest.unknown.toFixed(0)}, ${walPerRequest.floor.toFixed(0)}` },
    ],
  };
}

export function ratiosOf(figures: { pages?: PageFigures; auth?: AuthFigures; secondFactor?: SecondFactorFigures; forgot?: ForgotFigures; resets?: ResetFigures; oidc?: OidcFigures; apiClients?: ApiClientFigures }): Pick<Report, "ratios" | "extra"> {
  const { pages, auth, secondFactor, forgot, resets, oidc, apiClients } = figures;
  const ratios: Ratio[] = [];
  const extra: Report["extra"] = [];
  if (secondFactor) {
    const { withTotp, login, rounds } = secondFactor;
    ratios.push(
      ratio("sign-ins with an authenticator app ÷ sign-ins without a second factor, per second", withTotp.rps / login.rps, "≥ 0.9", (v) => v >= 0.9, `${withTotp.rps.toFixed(1)} ÷ ${login.rps.toFixed(1)} per second, ${rounds} alternating slices each`),
    );
  }
  if (forgot) {
    const more = forgotRatios(forgot);
    ratios.push(...more.ratios);
    extra.push(...more.extra);
  }
  if (auth) {
    const { allCores, ownCores, session, sessionDuringStorm, stormBesideSessions } = auth;
    const forgot = auth.forgotMixed.byLabel;
    const existing = forgot.existing?.p50 ?? Number.NaN;
    const unknown = forgot.unknown?.p50 ?? Number.NaN;
    ratios.push(ratio("login rate ÷ bare argon2id verifications", allCores.login.rps / allCores.argon2.perSecond, "≥ 0.85", (v) => v >= 0.85, rateRatio(allCores, "on all cores (the server, PostgreSQL and the load generator there too)")));
    extra.push({ name: "where a login's CPU goes, everything on all cores (ms per login)", value: loginCpu(allCores, true) });
    const { hashOnly } = allCores;
    if (hashOnly) {
      extra.push(
        {
          name: "the ceiling on this machine: logins ÷ bare verifications against a server that only hashes (node:http and the service's hashing; no framework, no database; decision 0012)",
          value: `${(hashOnly.rps / allCores.argon2.perSecond).toFixed(3)}: ${hashOnly.rps.toFixed(1)} logins/s ÷ ${allCores.argon2.perSecond.toFixed(1)} verifications/s, in the same ${allCores.rounds} rounds`,
        },
        { name: "what the service's own work leaves: its logins ÷ the hash-only server's", value: `${(allCores.login.rps / hashOnly.rps).toFixed(3)}: ${allCores.login.rps.toFixed(1)} ÷ ${hashOnly.rps.toFixed(1)} logins/s` },
        { name: "where a login's CPU goes against the hash-only server (ms per login)", value: loginCpu({ ...allCores, login: hashOnly }, true) },
      );
    }
    if (ownCores) {
      extra.push(
        {
          name: "login rate ÷ bare argon2id verifications, the server on core(s) of its own (decision 0012; a diagnostic, not the issue's measure)",
          value: `${(ownCores.login.rps / ownCores.argon2.perSecond).toFixed(3)}: ${rateRatio(ownCores, `on core(s) ${ownCores.split.server}`)}`,
        },
        { name: `where a login's CPU goes, the server on core(s) ${ownCores.split.server} (ms per login; PostgreSQL and the load generator on the others)`, value: loginCpu(ownCores, false) },
      );
    }
    ratios.push(
      ratio("forgot password median, existing ÷ unknown address", existing / unknown, "0.97 – 1.03", (v) => v >= 0.97 && v <= 1.03, `${ms(existing, 3)} ÷ ${ms(unknown, 3)}, ${forgot.existing?.n} and ${forgot.unknown?.n} requests alternating`),
      ratio("session checks/s during a login storm ÷ alone", sessionDuringStorm.rps / session.rps, "≥ 0.5", (v) => v >= 0.5, `${sessionDuringStorm.rps.toFixed(0)} ÷ ${session.rps.toFixed(0)} requests/s (the storm meanwhile: ${stormBesideSessions.rps.toFixed(1)} logins/s)`),
    );
    extra.push(
      { name: "bare argon2id verifications per second on all cores, by concurrency", value: Object.entries(allCores.argon2.byConcurrency).map(([c, v]) => `${c} at once: ${v.toFixed(1)}`).join(", ") },
      { name: "forgot password medians, existing / unknown address (alternating on every connection)", value: `${ms(existing, 3)} / ${ms(unknown, 3)}` },
      { name: "forgot password, existing addresses, to the last email", value: mailed(auth.forgotMailed) },
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
      { name: "admin-triggered resets, to the last email", value: mailed(resets.triggerMailed) },
      { name: `trigger reset medians, normal SMTP / SMTP taking ${SLOW_SMTP_MS / 1000} s per message`, value: `${ms(trigger.p50)} / ${ms(triggerSlowSmtp.p50)}` },
      { name: "emails of the slow-SMTP run still waiting for the SMTP server once all its requests had been answered", value: String(resets.stillQueuedAfterSlowRun) },
    );
  }
  if (apiClients) {
    const { bearerList, cookieList, tokens, rounds } = apiClients;
    ratios.push(
      ratio("users list, API client's bearer token ÷ session cookie, per second", bearerList.rps / cookieList.rps, "≥ 0.9", (v) => v >= 0.9, `${bearerList.rps.toFixed(0)} ÷ ${cookieList.rps.toFixed(0)} requests/s, ${rounds} alternating slices each`),
    );
    extra.push(
      { name: "users list medians, bearer / cookie", value: `${ms(bearerList.p50)} / ${ms(cookieList.p50)}` },
      { name: "client-credentials grants per second (POST /oidc/token)", value: `${tokens.rps.toFixed(0)} (p50 ${ms(tokens.p50)}, p99 ${ms(tokens.p99)})` },
    );
  }
  if (oidc) {
    const more = oidcRatios(oidc);
    ratios.push(...more.ratios);
    extra.push(...more.extra);
  }
  return { ratios, extra };
}
