import { useMemo, useState } from "react";
import { Button } from "@dhis2/ui";
import { formatBytes, formatCount } from "../../format";
import { useI18n } from "../../i18n";

/** Texts longer than this are not given to the JSON editor, whose text view refuses them with a
 * warning of its own (in English, with buttons an analyst should never have to weigh). */
export const LARGE_TEXT = 8 * 1024 * 1024;
/** About this many characters per part, cut at the next line break. */
const PART = 512 * 1024;

/** Where each part starts: every ~512 kB, at a line start. */
export function partStarts(text: string, part = PART): number[] {
  const starts = [0];
  let at = 0;
  while (at + part < text.length) {
    const nl = text.indexOf("\n", at + part);
    if (nl < 0) break;
    at = nl + 1;
    if (at >= text.length) break;
    starts.push(at);
  }
  return starts;
}

/** A large response as read-only text, one part at a time, so the window never has to lay out
 * tens of megabytes at once. */
export function LargeTextView({ text, size, label }: { text: string; size: number; label: string }) {
  const { t, lang } = useI18n();
  const starts = useMemo(() => partStarts(text), [text]);
  const [part, setPart] = useState(0);
  const from = starts[part] ?? 0;
  const to = starts[part + 1] ?? text.length;
  const count = starts.length;
  return (
    <div className="large-text-view" data-test="large-text-view">
      <p className="small muted m0" role="note">
        {t("response.largeText", { size: formatBytes(size) })}
      </p>
      <nav className="pager" aria-label={t("response.largeTextParts")}>
        <Button small disabled={part === 0} onClick={() => setPart(part - 1)} dataTest="large-text-prev">
          ← {t("response.largeTextPrev")}
        </Button>
        <span data-test="large-text-part">{t("response.largeTextPart", { n: formatCount(part + 1, lang), count: formatCount(count, lang) })}</span>
        <Button small disabled={part >= count - 1} onClick={() => setPart(part + 1)} dataTest="large-text-next">
          {t("response.largeTextNext")} →
        </Button>
      </nav>
      <pre className="large-text mono" tabIndex={0} aria-label={label} data-test="large-text">
        {text.slice(from, to)}
      </pre>
    </div>
  );
}
