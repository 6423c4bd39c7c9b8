import { AppError } from "../../errors.ts";
import { countSecondFactorAttempt, type SecondFactorMethod } from "../../metrics/metrics.ts";

/**
 * Runs one second step and counts what came of it in latchkey_second_factor_attempts_total: the
 * step's own answers (a wrong code, the step's rate limit, no live half-finished sign-in) map to
 * the outcomes; any other failure (the database down) is not an attempt's outcome and is not counted.
 */
export async function countedSecondStep<T>(method: SecondFactorMethod, step: () => Promise<T>): Promise<T> {
  try {
    const result = await step();
    countSecondFactorAttempt(method, "success");
    return result;
  } catch (error) {
    if (error instanceof AppError) {
      if (error.code === "SECOND_FACTOR_INCORRECT" || error.code === "PASSKEY_NOT_ACCEPTED") countSecondFactorAttempt(method, "incorrect");
      else if (error.code === "RATE_LIMITED") countSecondFactorAttempt(method, "limited");
      else if (error.code === "SIGN_IN_EXPIRED") countSecondFactorAttempt(method, "expired");
    }
    throw error;
  }
}
