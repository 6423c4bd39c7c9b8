import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router-dom";
import { api } from "./api/endpoints.ts";
import type { AppConfig } from "./api/types.ts";
import { ErrorState, LoadingState } from "./components/states.tsx";
import { router } from "./routes.tsx";
import { SessionProvider } from "./session/session.tsx";
import "./styles.css";

/** Loads what every page needs to know about the installation, then starts the router. */
function App() {
  const [config, setConfig] = useState<AppConfig | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    api.config().then(setConfig, setError);
  }, [attempt]);

  if (!config) {
    return (
      <main id="main" className="boot">
        {error ? (
          <ErrorState
            title="Latchkey is not reachable"
            error={error}
            onRetry={() => {
              setError(null);
              setAttempt((n) => n + 1);
            }}
          />
        ) : (
          <LoadingState label="Loading Latchkey…" />
        )}
      </main>
    );
  }
  return (
    <SessionProvider config={config}>
      <RouterProvider router={router} />
    </SessionProvider>
  );
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
