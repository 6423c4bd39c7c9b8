import { Navigate, createBrowserRouter, useParams } from "react-router-dom";
import { AppLayout } from "./layout/app-layout.tsx";
import { AuthLayout } from "./layout/auth-layout.tsx";
import { AccountPage } from "./pages/account-page.tsx";
import { AuditLogPage } from "./pages/audit/audit-log-page.tsx";
import { ManagedCompaniesTab } from "./pages/company/managed-companies-tab.tsx";
import { TeamMembersTab } from "./pages/company/team-members-tab.tsx";
import { ApiClientsTab } from "./pages/company/api-clients/api-clients-tab.tsx";
import { IntegrationsTab } from "./pages/company/integrations-tab.tsx";
import { EndpointDetail } from "./pages/company/endpoint-detail.tsx";
import { CompanyPage } from "./pages/company/company-page.tsx";
import { MailboxEmailPage } from "./pages/dev/mailbox-email-page.tsx";
import { MailboxPage } from "./pages/dev/mailbox-page.tsx";
import { ForgotPasswordPage } from "./pages/forgot-password-page.tsx";
import { LoginPage } from "./pages/login-page.tsx";
import { InteractionPage } from "./pages/interaction-page.tsx";
import { NotFoundPage } from "./pages/not-found-page.tsx";
import { RegisterPage } from "./pages/register-page.tsx";
import { SetPasswordPage } from "./pages/set-password-page.tsx";
import { CreateUserPage } from "./pages/users/create-user-page.tsx";
import { ImportUsersPage } from "./pages/users/import-users-page.tsx";
import { UserPage } from "./pages/users/user-page.tsx";
import { UsersPage } from "./pages/users/users-page.tsx";
import { UsersTab } from "./pages/users/users-tab.tsx";
import { RequireAuth } from "./session/require-auth.tsx";
import { useSession } from "./session/session.tsx";
import { LoadingState } from "./components/states.tsx";

/** The dashboard frame once the session is known, signed in or not. */
function SessionGate() {
  const { state } = useSession();
  if (state.status === "loading") {
    return (
      <div className="boot">
        <LoadingState label="Loading Latchkey…" />
      </div>
    );
  }
  return <AppLayout />;
}

function LegacyUserRedirect() {
  const { userId = "" } = useParams();
  return <Navigate to={`/company/users/${encodeURIComponent(userId)}`} replace />;
}

/** Paths are part of the product: emails link to /login, /set-password and /reset-password. */
export const router = createBrowserRouter([
  {
    element: <AuthLayout />,
    children: [
      { path: "/login", element: <LoginPage /> },
      { path: "/interaction/:uid", element: <InteractionPage /> },
      { path: "/register", element: <RegisterPage /> },
      { path: "/forgot-password", element: <ForgotPasswordPage /> },
      { path: "/set-password", element: <SetPasswordPage /> },
      { path: "/reset-password", element: <SetPasswordPage /> },
    ],
  },
  {
    element: (
      <RequireAuth>
        <AppLayout />
      </RequireAuth>
    ),
    children: [
      { path: "/", element: <Navigate to="/company" replace /> },
      {
        path: "/company",
        element: <CompanyPage />,
        children: [
          { index: true, element: <UsersTab /> },
          { path: "users", element: <UsersTab /> },
          { path: "managed-companies", element: <ManagedCompaniesTab /> },
          { path: "team-members", element: <TeamMembersTab /> },
          { path: "api-clients", element: <ApiClientsTab /> },
          { path: "integrations", element: <IntegrationsTab /> },
          { path: "integrations/:endpointId", element: <EndpointDetail /> },
        ],
      },
      { path: "/company/users/new", element: <CreateUserPage /> },
      { path: "/users/import", element: <ImportUsersPage /> },
      { path: "/company/users/:userId", element: <UserPage /> },
      { path: "/users", element: <UsersPage /> },
      { path: "/users/:userId", element: <LegacyUserRedirect /> },
      { path: "/account", element: <AccountPage /> },
      { path: "/audit-log", element: <AuditLogPage /> },
    ],
  },
  {
    // No session needed: an invited user reads their invitation here before they can sign in.
    element: <SessionGate />,
    children: [
      { path: "/dev/mailbox", element: <MailboxPage /> },
      { path: "/dev/mailbox/:emailId", element: <MailboxEmailPage /> },
    ],
  },
  { path: "*", element: <NotFoundPage /> },
]);
