interface PaginationProps {
  label: string;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}

export function Pagination({ label, hasPrevious, hasNext, onPrevious, onNext }: PaginationProps) {
  if (!hasPrevious && !hasNext) return null;
  return (
    <nav aria-label={label} className="pagination">
      <button type="button" className="button" onClick={onPrevious} disabled={!hasPrevious}>
        <span aria-hidden="true">← </span>Previous
      </button>
      <button type="button" className="button" onClick={onNext} disabled={!hasNext}>
        Next<span aria-hidden="true"> →</span>
      </button>
    </nav>
  );
}
