import { resetSecondFactorAsOperator } from "../../features/auth/second-factor-reset/reset-second-factor-as-operator.ts";
import { Email } from "../../http/api/v1/schemas.ts";
import { option, parseOptions, type CliCommand } from "../command.ts";

export const resetSecondFactorCommand: CliCommand = {
  name: "reset-second-factor",
  summary: "remove a user's second factors; they set one up at their next sign-in",
  help: `Usage: latchkey reset-second-factor --email <email>

For a user locked out of their second factor with nobody in their company to
reset it (an only administrator). Removes their authenticator app, passkeys and
recovery codes, ends their sessions, and makes them set up a second factor at
their next sign-in; their password does not change. They are emailed that the
operator did it. Audited with no actor and {"via":"operator"}.`,
  prepare(argv) {
    const values = parseOptions("reset-second-factor", argv, { email: { type: "string" } });
    const email = option("reset-second-factor", values, "email", Email, true);
    return async (deps, io) => {
      const { user, removed } = await resetSecondFactorAsOperator(deps, { email });
      const kinds = [
        ...(removed.authenticatorApp ? ["an authenticator app"] : []),
        ...(removed.passkeys > 0 ? [`${removed.passkeys} passkey${removed.passkeys === 1 ? "" : "s"}`] : []),
        ...(removed.recoveryCodes > 0 ? [`${removed.recoveryCodes} recovery code${removed.recoveryCodes === 1 ? "" : "s"}`] : []),
      ];
      io.out(`${user.email} (${user.companyName}): removed ${kinds.length > 0 ? kinds.join(", ") : "an unfinished set-up"}; sessions ended; a second factor is due at the next sign-in.`);
    };
  },
};
