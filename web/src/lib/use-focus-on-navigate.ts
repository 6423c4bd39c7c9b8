import { useEffect } from "react";
import { useLocation } from "react-router-dom";

// The first page of a visit is read from the top like any page load; only later pages move focus.
let firstPageShown = false;

/**
 * After moving to another page, put focus on its heading (or the main region), as a screen
 * reader user expects from a page load. Runs in each layout, so it also covers moving from the
 * sign-in frame to the dashboard frame. Links that change only part of a page (tabs) opt out
 * with `state={{ keepFocus: true }}`.
 */
export function useFocusOnNavigate(): void {
  const location = useLocation();
  useEffect(() => {
    if (!firstPageShown) {
      firstPageShown = true;
      return;
    }
    if ((location.state as { keepFocus?: boolean } | null)?.keepFocus) return;
    const timer = window.setTimeout(() => {
      const target = document.querySelector<HTMLElement>("main h1") ?? document.getElementById("main");
      target?.focus();
    }, 0);
    return () => window.clearTimeout(timer);
    // Only a new path is a new page; search and pagination keep focus where it is.
  }, [location.pathname]);
}
