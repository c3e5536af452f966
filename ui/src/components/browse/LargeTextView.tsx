import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from "react";
import { Button } from "@dhis2/ui";
import { formatBytes, formatCount } from "../../format";
import { useI18n } from "../../i18n";
import { findInSlices, indexLines, lineIndexer, lineOf, lineText, realLineOf, sliceText, type LineIndex, type Text } from "../../text/lines";

/** Texts longer than this are not given to the JSON editor, whose text view refuses them with a
 * warning of its own (in English, with buttons an analyst should never have to weigh). */
export const LARGE_TEXT = 8 * 1024 * 1024;
/** Characters indexed per slice: a few milliseconds each, so the window keeps answering
 * (docs/performance.md, P4 text view). Smaller texts are indexed at once. */
const SLICE = 2 * 1024 * 1024;
const LINE_PX = 18;
/** Browsers cap an element's height (WebKit near 33 million pixels): above this, the scroll bar
 * stands for the lines proportionally, and the wheel and keys move by lines (see Lines). */
const MAX_PX = 8_000_000;

let indexSeq = 0;
/** The last text indexed: switching to another view and back does not index it again. */
let lastIndexed: { text: Text; index: LineIndex } | null = null;

/** The text's lines: small texts at once, large ones a slice at a time in the background. */
function useLineIndex(text: Text): LineIndex | null {
  const known = lastIndexed?.text === text ? lastIndexed.index : null;
  const small = useMemo(() => (known === null && text.length <= SLICE ? indexLines(text) : null), [text, known]);
  const [large, setLarge] = useState<{ of: Text; index: LineIndex } | null>(null);
  useEffect(() => {
    if (known !== null || text.length <= SLICE) return;
    let stopped = false;
    const ix = lineIndexer(text);
    const tick = () => {
      if (stopped) return;
      if (ix.step(SLICE)) {
        const index = ix.index();
        lastIndexed = { text, index };
        setLarge({ of: text, index });
      } else setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    return () => {
      stopped = true;
    };
  }, [text, known]);
  if (known) return known;
  if (small) return small;
  return large?.of === text ? large.index : null;
}

/** A large response as read-only text: every line can be scrolled to, but only the lines in
 * sight are laid out, so tens of megabytes never freeze the window. */
export function LargeTextView({ text, size, label }: { text: Text; size: number; label: string }) {
  const { t } = useI18n();
  const index = useLineIndex(text);
  // A new text starts at its top, with no old match.
  const indexId = useMemo(() => (indexSeq += 1), [index]);
  return (
    <div className="large-text-view" data-test="large-text-view">
      <p className="small muted m0" role="note">
        {t("response.largeText", { size: formatBytes(size) })}
      </p>
      {index ? (
        <Lines key={indexId} text={text} index={index} label={label} />
      ) : (
        <p className="muted" role="status" data-test="large-text-preparing">
          {t("response.largeTextPreparing")}
        </p>
      )}
    </div>
  );
}

type Match = { piece: number; at: number; length: number };
type Find = { kind: "idle" } | { kind: "searching" } | { kind: "found"; match: Match } | { kind: "none"; text: string };

function Lines({ text, index, label }: { text: Text; index: LineIndex; label: string }) {
  const { t, lang } = useI18n();
  const findId = useId();
  const box = useRef<HTMLDivElement>(null);
  const mark = useRef<HTMLElement>(null);
  // jsdom (the tests) lays nothing out: assume a window-sized view there.
  const [viewPx, setViewPx] = useState(600);
  const [first, setFirst] = useState(0);
  const [scrollPx, setScrollPx] = useState(0);
  const [query, setQuery] = useState("");
  const [find, setFind] = useState<Find>({ kind: "idle" });
  const search = useRef(0);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => setViewPx(el.clientHeight || 600);
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(
    () => () => {
      search.current += 1; // a search still running stops when the view goes
    },
    [],
  );

  const count = index.count;
  const visible = Math.ceil(viewPx / LINE_PX) + 1;
  const scaled = count * LINE_PX > MAX_PX;
  const heightPx = scaled ? MAX_PX : count * LINE_PX;
  const lastFirst = Math.max(0, count - visible + 1);
  const travel = Math.max(1, heightPx - viewPx);
  const firstAt = (px: number) =>
    Math.min(lastFirst, Math.max(0, scaled ? Math.round((px / travel) * lastFirst) : Math.floor(px / LINE_PX)));
  const pxOf = (line: number) => (scaled ? (line / Math.max(1, lastFirst)) * travel : line * LINE_PX);
  const shownCount = Math.min(count, first + visible) - first;
  // Unscaled, the lines sit where they belong and scroll smoothly. Scaled, they follow the scroll
  // position, held inside the scroll area so the last line ends flush with its bottom.
  const topPx = scaled ? Math.max(0, Math.min(scrollPx, heightPx - shownCount * LINE_PX)) : first * LINE_PX;
  // Where a move by lines (wheel, keys) put the scroll bar: its own scroll event is not a drag.
  const placed = useRef(-1);

  function goTo(line: number) {
    const target = Math.min(lastFirst, Math.max(0, line));
    setFirst(target);
    const el = box.current;
    if (el) {
      el.scrollTop = pxOf(target);
      placed.current = el.scrollTop;
      setScrollPx(el.scrollTop);
    }
  }

  // Scaled, one pixel of the scroll bar is less than a line: the wheel and the keys move by
  // lines instead, so every line can be read in turn. (A native listener: React's wheel
  // listener is passive and cannot keep the browser from scrolling by pixels.)
  const move = useRef((_lines: number) => {});
  move.current = (lines: number) => goTo(first + lines);
  useEffect(() => {
    const el = box.current;
    if (!el || !scaled) return;
    const onWheel = (e: WheelEvent) => {
      if (e.deltaY === 0 || e.ctrlKey) return;
      e.preventDefault();
      const lines = e.deltaMode === 1 ? e.deltaY : e.deltaMode === 2 ? e.deltaY * (visible - 1) : e.deltaY / LINE_PX;
      move.current(Math.sign(lines) * Math.max(1, Math.round(Math.abs(lines))));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, [scaled, visible]);

  function onKeyDown(e: React.KeyboardEvent) {
    if (!scaled) return; // the browser's own scrolling is exact
    const page = Math.max(1, visible - 2);
    const lines = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, " ": e.shiftKey ? -page : page }[e.key];
    if (lines === undefined) return;
    e.preventDefault();
    move.current(lines);
  }

  const shown = useMemo(() => {
    const lines: string[] = [];
    for (let i = first; i < first + shownCount; i += 1) lines.push(lineText(text, index, i));
    return lines;
  }, [text, index, first, shownCount]);
  // The gutter numbers the text's own lines; a cut long line's further pieces show "↪".
  const numbers = useMemo(() => {
    const out: string[] = [];
    let real = realLineOf(index, first);
    for (let i = first; i < first + shownCount; i += 1) {
      if (i > first && index.cont[i] === 0) real += 1;
      out.push(i > first && index.cont[i] === 1 ? "↪" : String(real + 1));
    }
    return out;
  }, [index, first, shownCount]);

  const match = find.kind === "found" ? find.match : null;
  // A match far to the right of a long line is brought into sight sideways too.
  useEffect(() => {
    const el = box.current;
    const m = mark.current;
    if (!el || !m) return;
    const x = m.getBoundingClientRect().left - el.getBoundingClientRect().left + el.scrollLeft;
    if (x < el.scrollLeft + 80 || x > el.scrollLeft + el.clientWidth - 80) el.scrollLeft = Math.max(0, x - el.clientWidth / 2);
  }, [match]);

  async function findNext() {
    const needle = query;
    const from = match ? match.at + 1 : index.starts[first]!;
    const id = (search.current += 1);
    setFind({ kind: "searching" });
    const at = await findInSlices(
      text,
      needle,
      from,
      () => new Promise((r) => setTimeout(r, 0)),
      () => search.current !== id,
    );
    if (at === null || search.current !== id) return;
    if (at < 0) {
      setFind({ kind: "none", text: needle });
      return;
    }
    const piece = lineOf(index, at);
    const length = typeof text === "string" ? needle.length : new TextEncoder().encode(needle).length;
    setFind({ kind: "found", match: { piece, at, length } });
    goTo(piece - 2);
  }

  const status =
    find.kind === "searching"
      ? t("response.findSearching")
      : find.kind === "none"
        ? t("response.findNone", { text: find.text })
        : find.kind === "found"
          ? t("response.findAt", { line: formatCount(realLineOf(index, find.match.piece) + 1, lang), count: formatCount(index.realCount, lang) })
          : t("response.textLines", { count: index.realCount });
  return (
    <>
      <form
        className="large-text-find"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (query) void findNext();
        }}
      >
        <label htmlFor={findId} className="small">
          {t("response.findInText")}
        </label>
        <input
          id={findId}
          className="text-input"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            search.current += 1;
            setFind({ kind: "idle" });
          }}
          data-test="large-text-find"
        />
        <Button small type="submit" disabled={!query || find.kind === "searching"} dataTest="large-text-find-next">
          {t("response.findNext")}
        </Button>
        <span className="small muted" role="status" data-test="large-text-status">
          {status}
        </span>
      </form>
      <div
        ref={box}
        className="large-text"
        tabIndex={0}
        role="document"
        aria-label={label}
        data-test="large-text"
        onKeyDown={onKeyDown}
        onScroll={(e) => {
          const px = e.currentTarget.scrollTop;
          setScrollPx(px);
          // Its own scroll event after a move by lines: the line is already set.
          if (Math.abs(px - placed.current) < 1) return;
          placed.current = -1;
          setFirst(firstAt(px));
        }}
      >
        <div style={{ height: heightPx, position: "relative" }}>
          <div className="large-text-lines" style={{ top: topPx }}>
            <pre className="large-text-gutter mono" aria-hidden="true" style={{ width: `${String(index.realCount).length + 1}ch` }}>
              {numbers.join("\n")}
            </pre>
            <pre className="mono" data-test="large-text-lines">
              {shown.map((line, k) => (
                <LineWithMatch
                  key={first + k}
                  line={line}
                  at={match && first + k === match.piece ? offsetInLine(text, index, match) : null}
                  markRef={mark}
                />
              ))}
            </pre>
          </div>
        </div>
      </div>
    </>
  );
}

/** The match's place within its piece's shown text (characters). */
function offsetInLine(text: Text, index: LineIndex, m: Match): { from: number; to: number } {
  const start = index.starts[m.piece]!;
  const from = sliceText(text, start, m.at).length;
  return { from, to: from + sliceText(text, m.at, m.at + m.length).length };
}

function LineWithMatch({ line, at, markRef }: { line: string; at: { from: number; to: number } | null; markRef: React.Ref<HTMLElement> }) {
  if (!at) return <>{line + "\n"}</>;
  return (
    <>
      {line.slice(0, at.from)}
      <mark ref={markRef} data-test="large-text-match">
        {line.slice(at.from, at.to)}
      </mark>
      {line.slice(at.to) + "\n"}
    </>
  );
}
