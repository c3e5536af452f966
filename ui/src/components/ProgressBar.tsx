/**
 * A progress bar that repaints only when its amount changes. The design system's bar animates
 * each change over 0.3 s and adds a style rule per value: with progress ten times a second it
 * never stopped animating, and on a computer without a graphics card (software rendering) the
 * window spent most of a core on it while the answer downloaded. `null` (the size is not known
 * beforehand): no bar, as an empty one would say nothing has arrived; the text says how much has.
 */
export function ProgressBar({ amount, label }: { amount: number | null; label: string }) {
  if (amount === null) return null;
  const clamped = Math.max(0, Math.min(100, Number.isFinite(amount) ? amount : 0));
  return (
    <div className="progress-bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(clamped)}>
      <div className="progress-bar-fill" style={{ transform: `scaleX(${clamped / 100})` }} />
    </div>
  );
}
