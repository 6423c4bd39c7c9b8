import { useEffect, useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { ApiError } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import type { PasswordReset, UserDetail } from "../../api/types.ts";
import { RoleLabel, StatusBadge } from "../../components/badges.tsx";
import { FormResult, Notice, type FormMessage } from "../../components/notice.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { ErrorState, LoadingState } from "../../components/states.tsx";
import { usePageTitle } from "../../lib/use-page-title.ts";
import { useResource } from "../../lib/use-resource.ts";
import { useMe } from "../../session/session.tsx";
import { NotFoundContent } from "../not-found-page.tsx";
import { deliverySettled, linkDeliveryMessage, type LinkSent } from "./delivery-message.ts";
import { ManagedCompaniesSection } from "./managed-companies-section.tsx";
import { PasswordResetsSection } from "./password-resets-section.tsx";
import { hasAnythingToReset, SecondFactorSection } from "./second-factor-section.tsx";
import { ResetPasswordAction, ResetSecondFactorAction, ResendInvitationAction } from "./user-actions.tsx";
import { UserDetailsSection } from "./user-details-section.tsx";
import { UserSessionsSection } from "./user-sessions-section.tsx";
import { UserSignInsSection } from "./user-sign-ins-section.tsx";
import { UserRoleSection, UserStatusSection } from "./user-access-sections.tsx";

/** One user: the reset button first, then details, role, status, and the history of their links. */
export function UserPage() {
  const { userId = "" } = useParams();
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const resource = useResource(() => api.user(userId), userId);
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [historyVersion, setHistoryVersion] = useState(0);
  // The link whose email the banner follows until it has left (decision 0051).
  const [watched, setWatched] = useState<LinkSent | null>(null);
  usePageTitle(resource.data?.user.name ?? "User");

  // A message handed over by the page that sent us here ("Invitation sent to …"), shown once.
  const flash = (location.state as { flash?: string } | null)?.flash;
  useEffect(() => {
    if (!flash) return;
    setMessage({ tone: "success", text: flash });
    navigate(".", { replace: true, state: { keepFocus: true } });
  }, [flash, navigate]);

  const company = me.actingCompany.name;
  const crumbs = [{ label: "Company profile", to: "/company" }, { label: `${company} users`, to: "/company/users" }];

  if (resource.loading && !resource.data) {
    return (
      <>
        <PageHeader breadcrumbs={[...crumbs, { label: "User" }]} title="User" />
        <LoadingState label="Loading the user…" />
      </>
    );
  }
  if (!resource.data) {
    const error = resource.error;
    if (error instanceof ApiError && (error.status === 404 || error.code === "VALIDATION_FAILED")) {
      return <NotFoundContent title="User not found" text={`There is no such user in ${company}. They may belong to another company, or the link is wrong.`} backTo="/company/users" backLabel={`Back to ${company} users`} />;
    }
    if (error instanceof ApiError && error.status === 403) {
      return (
        <>
          <PageHeader breadcrumbs={[...crumbs, { label: "User" }]} title="No access" />
          <Notice tone="warning">{error.message}</Notice>
        </>
      );
    }
    return (
      <>
        <PageHeader breadcrumbs={[...crumbs, { label: "User" }]} title="User" />
        <ErrorState error={error} onRetry={resource.reload} />
      </>
    );
  }

  const view = resource.data;
  const { user, permissions, secondFactors } = view;
  const isSelf = user.id === me.user.id;
  // The answer to a change holds the user; their permissions (restore, not deactivate…) come from a fresh read.
  const updated = (next: UserDetail) => {
    resource.setData({ user: next, permissions, secondFactors });
    resource.reload();
  };
  // Another message takes the banner: it stops following the email.
  const report = (next: FormMessage) => {
    setWatched(null);
    setMessage(next);
  };
  const afterLinkChange = () => setHistoryVersion((n) => n + 1);
  const linkSent = (sent: LinkSent) => {
    setMessage(linkDeliveryMessage(user, sent, null));
    setWatched(sent);
    afterLinkChange();
  };
  const watchedDelivery = (reset: PasswordReset) => {
    if (!watched || reset.id !== watched.resetId) return;
    setMessage(linkDeliveryMessage(user, watched, reset));
    if (deliverySettled(reset)) setWatched(null);
  };
  const secondFactorReset = (text: string) => {
    report({ tone: "success", text });
    setHistoryVersion((n) => n + 1);
    resource.reload();
  };
  const canResetSecondFactor = permissions.resetSecondFactor && secondFactors !== null && hasAnythingToReset(secondFactors);
  const canInvite = user.status === "active" && !user.hasPassword && permissions.resetPassword;
  // Grants belong to the parent's own team members, seen from the parent itself (PRODUCT.md section 3).
  const showGrants = !me.actingCompany.switched && me.capabilities.manageGrants && me.capabilities.grantHolderRoles.includes(user.role);

  return (
    <>
      <PageHeader
        breadcrumbs={[...crumbs, { label: user.name }]}
        eyebrow="User"
        title={user.name}
        description={
          <p className="user-summary">
            <span>{user.email}</span>
            <RoleLabel role={user.role} />
            <StatusBadge status={user.status} />
            {!user.hasPassword && user.status === "active" ? <span className="badge badge-info">Invitation pending</span> : null}
          </p>
        }
        actions={
          <>
            {canInvite ? <ResendInvitationAction user={user} onSent={linkSent} /> : null}
            {permissions.resetPassword ? <ResetPasswordAction user={user} onSent={linkSent} /> : null}
            {canResetSecondFactor ? <ResetSecondFactorAction user={user} onDone={secondFactorReset} /> : null}
          </>
        }
      />
      <FormResult message={message} />
      {isSelf ? (
        <Notice tone="info">
          This is you. Change your own name and password in <Link to="/account">Account settings</Link>.
        </Notice>
      ) : null}
      <div className="sections">
        <UserDetailsSection view={view} onUpdated={updated} />
        {secondFactors ? <SecondFactorSection user={user} summary={secondFactors} version={historyVersion} /> : null}
        <div className="section-pair">
          <UserRoleSection view={view} onUpdated={updated} />
          <UserStatusSection view={view} onUpdated={(next) => {
              updated(next);
              afterLinkChange();
            }} onMessage={report} />
        </div>
        {permissions.signOut ? <UserSessionsSection user={user} onMessage={report} /> : null}
        {permissions.viewSignIns ? <UserSignInsSection user={user} /> : null}
        {showGrants ? <ManagedCompaniesSection user={user} /> : null}
        <PasswordResetsSection
          user={user}
          version={historyVersion}
          canRevoke={permissions.resetPassword}
          onMessage={report}
          watched={watched?.resetId ?? null}
          onWatchedDelivery={watchedDelivery}
          onSent={linkSent}
        />
      </div>
    </>
  );
}
