import "@testing-library/jest-dom/vitest";
import { afterEach, vi } from "vitest";
import { cleanup, configure } from "@testing-library/react";

// @dhis2/ui and this app use data-test attributes.
configure({ testIdAttribute: "data-test" });
import { clearMocks } from "@tauri-apps/api/mocks";

// jsdom lacks these.
if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }) as MediaQueryList;
}
if (!("ResizeObserver" in window)) {
  (window as unknown as { ResizeObserver: unknown }).ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
if (!("IntersectionObserver" in window)) {
  // @dhis2/ui's select options watch themselves scroll into view.
  (window as unknown as { IntersectionObserver: unknown }).IntersectionObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  };
}
// jsdom has no layout: give the table's scroll box a size so its virtualiser renders rows.
for (const [prop, size] of [["clientHeight", 600], ["clientWidth", 1000]] as const) {
  const base = Object.getOwnPropertyDescriptor(HTMLElement.prototype, prop) ?? Object.getOwnPropertyDescriptor(Element.prototype, prop);
  Object.defineProperty(HTMLElement.prototype, prop, {
    configurable: true,
    get(this: HTMLElement) {
      return this.dataset?.virtualScroll ? size : (base?.get?.call(this) ?? 0);
    },
  });
}
if (!window.crypto?.randomUUID) {
  Object.defineProperty(window, "crypto", { value: { ...window.crypto, randomUUID: () => `uuid-${Math.random()}` } });
}
Object.defineProperty(navigator, "clipboard", {
  value: { writeText: vi.fn(async () => undefined) },
  configurable: true,
});

// React only warns when siblings share a key, and then may duplicate or drop them: any test
// that renders such a list fails (the response view's header and text view once did).
const sameKeyWarnings: string[] = [];
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  if (String(args[0]).includes("two children with the same key")) sameKeyWarnings.push(String(args[1] ?? args[0]));
  consoleError(...args);
};

afterEach(() => {
  cleanup();
  clearMocks();
  localStorage.clear();
  const found = sameKeyWarnings.splice(0);
  if (found.length > 0) throw new Error(`React saw siblings with the same key: ${found.join(", ")}`);
});
