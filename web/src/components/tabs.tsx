import { Link, useLocation } from "react-router-dom";

export interface TabItem {
  to: string;
  label: string;
  /** Other paths that show this tab (the section's default tab answers at the section's own path). */
  alsoAt?: string[];
}

/**
 * Tabs that are pages: each is a link with its own URL, the current one marked aria-current.
 * Adding a section ("Managed companies", "Team members with access") is one more item.
 */
export function RouteTabs({ label, tabs }: { label: string; tabs: TabItem[] }) {
  const { pathname } = useLocation();
  const path = pathname.replace(/\/+$/, "") || "/";
  return (
    <nav aria-label={label} className="tabs">
      <ul>
        {tabs.map((tab) => {
          const current = path === tab.to || path.startsWith(`${tab.to}/`) || (tab.alsoAt?.includes(path) ?? false);
          return (
            <li key={tab.to}>
              <Link to={tab.to} className="tab" aria-current={current ? "page" : undefined} state={{ keepFocus: true }}>
                {tab.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
