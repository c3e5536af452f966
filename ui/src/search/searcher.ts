// "Find anything" as you type: waits for a pause in typing, then asks; an answer to an older
// text is dropped so results never jump back. No React here.

export type SearchState<R> =
  | { status: "idle" }
  | { status: "searching"; text: string }
  | { status: "done"; text: string; results: R }
  | { status: "error"; text: string; error: unknown };

export const MIN_CHARS = 2;
export const DEBOUNCE_MS = 250;

export function createSearcher<R>(run: (text: string) => Promise<R>, onState: (s: SearchState<R>) => void, delay = DEBOUNCE_MS) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;
  const clear = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return {
    /** The box's text changed. */
    input(raw: string) {
      clear();
      const text = raw.trim();
      const n = ++seq;
      if (text.length < MIN_CHARS) {
        onState({ status: "idle" });
        return;
      }
      onState({ status: "searching", text });
      timer = setTimeout(() => {
        timer = null;
        run(text).then(
          (results) => n === seq && onState({ status: "done", text, results }),
          (error) => n === seq && onState({ status: "error", text, error }),
        );
      }, delay);
    },
    /** Stop waiting and ignore any answer still on its way. */
    cancel() {
      clear();
      seq++;
    },
  };
}
