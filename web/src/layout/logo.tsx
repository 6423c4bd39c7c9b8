export function LogoMark() {
  return (
    <svg className="logo-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" />
      <circle cx="12" cy="16" r="5.5" />
      <path d="M17.5 16H26m-3 0v4m-3.5-4v3" />
    </svg>
  );
}
