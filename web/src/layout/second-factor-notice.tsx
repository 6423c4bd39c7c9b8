import { Link, useLocation } from "react-router-dom";
import { api } from "../api/endpoints.ts";
import { Notice } from "../components/notice.tsx";
import { formatDateTime } from "../lib/format.ts";
import { useResource } from "../lib/use-resource.ts";

/**
 * During a policy's grace period, every page says by when to set up two-factor authentication
 * (the account page says it in its own section). Afterwards the sign-in itself demands it.
 */
export function SecondFactorNotice({ userId }: { userId: string }) {
  const { pathname } = useLocation();
  const settings = useResource(() => api.secondFactor(), `second-factor-notice-${userId}`);
  const data = settings.data;
  if (pathname === "/account" || !data || data.totp.status === "on" || !data.enrolmentOwed || !data.requiredFrom) return null;
  return (
    <Notice tone="warning" title="Set up two-factor authentication">
      Your company requires it from {formatDateTime(data.requiredFrom)}. <Link to="/account">Set it up in your account settings</Link> before then; afterwards you will have to set it up when you sign in.
    </Notice>
  );
}
