import { pruneExpired, RETENTION } from "../../features/housekeeping/prune-expired.ts";
import { parseOptions, type CliCommand } from "../command.ts";

const hours = (ms: number) => Math.round(ms / 3_600_000);

export const pruneCommand: CliCommand = {
  name: "prune",
  summary: "delete expired rate-limit windows, long-dead sessions and old address changes now",
  help: `Usage: latchkey prune

Deletes rate-limit windows that ended more than ${hours(RETENTION.rateLimitWindowMs)} hours ago and sessions
that expired or were revoked more than ${hours(RETENTION.deadSessionMs) / 24} days ago, and the record of
email address changes made more than ${hours(RETENTION.emailChangeMs) / 24} days ago; the OpenID provider's codes,
tokens and sessions an hour after they expired, application grants ${hours(RETENTION.deadApplicationGrantMs) / 24} days after they
ended, signing keys a day after they left the JWKS, and webhook events with their
delivery logs 30 days after they happened (never one still being delivered). A running server does
this by itself every hour; the command is for a database whose server is stopped,
or to see what a pass removes.`,
  prepare(argv) {
    parseOptions("prune", argv, {});
    return async (deps, io) => {
      const pruned = await pruneExpired(deps);
      io.out(`Deleted ${pruned.rateLimits} expired rate-limit windows and ${pruned.sessions} dead sessions.`);
      io.out(`Deleted ${pruned.emailChanges} email address changes older than ${hours(RETENTION.emailChangeMs) / 24} days.`);
      io.out(`Deleted ${pruned.providerRows} expired OpenID provider rows, ${pruned.applicationGrants} ended application grants and ${pruned.signingKeys} withdrawn signing keys.`);
      io.out(`Deleted ${pruned.webhookEvents} webhook events (and their delivery logs) older than ${hours(RETENTION.webhookEventMs) / 24} days.`);
      io.out(`Deleted ${pruned.signInChallenges} expired half-finished sign-ins.`);
    };
  },
};
