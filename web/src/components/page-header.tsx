import type { ReactNode } from "react";
import { Link } from "react-router-dom";

export interface Crumb {
  label: string;
  to?: string;
}

export function Breadcrumbs({ items }: { items: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {items.map((item, index) => (
          <li key={`${index}-${item.label}`}>
            {item.to ? <Link to={item.to}>{item.label}</Link> : <span aria-current="page">{item.label}</span>}
          </li>
        ))}
      </ol>
    </nav>
  );
}

interface PageHeaderProps {
  title: ReactNode;
  eyebrow?: ReactNode;
  breadcrumbs?: Crumb[];
  description?: ReactNode;
  actions?: ReactNode;
}

/** The top of every page. The h1 takes focus after navigation (see use-focus-on-navigate). */
export function PageHeader({ title, eyebrow, breadcrumbs, description, actions }: PageHeaderProps) {
  return (
    <div className="page-header">
      {breadcrumbs ? <Breadcrumbs items={breadcrumbs} /> : null}
      <div className="page-header-row">
        <div className="page-header-text">
          {eyebrow ? <p className="eyebrow">{eyebrow}</p> : null}
          <h1 tabIndex={-1}>{title}</h1>
          {description ? <div className="page-description">{description}</div> : null}
        </div>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </div>
    </div>
  );
}
