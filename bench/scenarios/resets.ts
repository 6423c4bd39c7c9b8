/**
 * Admin-triggered resets (with a normal SMTP server, then one that takes 5 s per message: the
 * request must not notice) and reset-link submissions.
 */
import { csrfForSession, signIn, writeHeaders, type Csrf } from "../api-client.ts";
import { addressSequence, cycle, type LoadResult, type Stream } from "../load.ts";
import type { MailedFigures, SuiteContext } from "../scenario-context.ts";

const BENCH_CO = "Bench Co";
/** Under the per-actor limit (60 an hour), so no trigger is refused with 429. */
const RESETS_PER_ACTOR = 50;
export const SLOW_SMTP_MS = 5_000;

export interface ResetFigures {
  trigger: LoadResult;
  /** The admin-triggered resets counted to their last email. */
  triggerMailed: MailedFigures;
  triggerSlowSmtp: LoadResult;
  /** Emails of the slow-SMTP run still waiting for the server when its last request had answered. */
  stillQueuedAfterSlowRun: number;
  submit: LoadResult;
}

interface Actor {
  session: string;
  /** The CSRF pair bound to that session. */
  csrf: Csrf;
}

function triggerStream(actors: Actor[], targets: string[]): Stream {
  const actor = cycle(actors);
  const target = cycle(targets);
  return {
    label: "trigger",
    // No body and so no content-type: the route takes none.
    next: () => {
      const { session, csrf } = actor();
      return { method: "POST", path: `/api/v1/users/${target()}/password-reset`, headers: { "x-csrf-token": csrf.token, cookie: `${csrf.cookie}; ${session}` } };
    },
  };
}

export async function resetScenarios(ctx: SuiteContext): Promise<ResetFigures> {
  const { pace } = ctx;
  const total = pace.triggerResets + pace.slowSmtpResets;
  // Managers of Bench Co act; users of Bench Co (never a manager or administrator) are the targets.
  const managers = await ctx.db.activeUsers(BENCH_CO, "manager", "email_normalized", Math.ceil(total / RESETS_PER_ACTOR) + 1);
  const actors: Actor[] = [];
  for (const email of managers) {
    const session = await signIn(ctx.base, ctx.csrf, email);
    actors.push({ session, csrf: await csrfForSession(ctx.base, ctx.csrf, session) });
  }
  const targets = await ctx.db.activeUsers(BENCH_CO, "read_only", "id", total);
  if (targets.length < total) throw new Error(`only ${targets.length} reset targets`);

  const trigger = await ctx.run({
    name: "trigger reset (admin-triggered)",
    connections: 10,
    expect: 202,
    seconds: 120,
    amount: pace.triggerResets,
    streams: [triggerStream(actors.slice(0, Math.ceil(pace.triggerResets / RESETS_PER_ACTOR)), targets.slice(0, pace.triggerResets))],
  });
  const triggerMailed = await ctx.toLastEmail(trigger);

  const submitTokens = await ctx.db.issueResetLinks(pace.resetSubmits);
  const token = cycle(submitTokens);
  const address = addressSequence(4_000_000);
  const submit = await ctx.run({
    name: "reset submit (new password with a link)",
    connections: 10,
    expect: 200,
    seconds: 120,
    amount: submitTokens.length,
    streams: [
      {
        label: "submit",
        next: () => ({
          method: "POST",
          path: "/api/v1/links/set-password",
          headers: { ...writeHeaders(ctx.csrf), "x-forwarded-for": address() },
          body: JSON.stringify({ token: token(), password: "a brand new bench passphrase", passwordConfirmation: "a brand new bench passphrase" }),
        }),
      },
    ],
  });

  // Last, because its mail is still trickling out when it ends: every message now takes 5 s to accept.
  // The submissions' mail leaves first, at full speed: during their rush it waited its turn
  // (decision 0052), and sent through the slow server it would hold the connections for minutes.
  await ctx.db.settle();
  ctx.smtp.setMode("slow", { slowMs: SLOW_SMTP_MS });
  const triggerSlowSmtp = await ctx.run({
    name: "trigger reset, SMTP taking 5 s per message",
    connections: 10,
    expect: 202,
    seconds: 120,
    amount: pace.slowSmtpResets,
    streams: [triggerStream(actors.slice(-Math.ceil(pace.slowSmtpResets / RESETS_PER_ACTOR) - 1), targets.slice(pace.triggerResets))],
  });
  const stillQueuedAfterSlowRun = await ctx.db.pendingEmails();
  ctx.smtp.setMode("accept");
  return { trigger, triggerMailed, triggerSlowSmtp, stillQueuedAfterSlowRun, submit };
}
