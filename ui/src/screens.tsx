import { lazy } from "react";
import { useI18n } from "./i18n";
import type { Page } from "./state";

// Every screen but the start screen (Instances) and the add/edit wizard are loaded with import()
// the first time they are shown, so Vite puts each in a chunk of its own and the first screen
// needs only the header, the navigation and the instance list (issue 13). Browse brings the JSON
// editor, Analytics and Saved the result views. A nav button being pointed at or focused starts
// the download early (preloadPage), so a click rarely sees the "Loading…" line at all.

const loaders = {
  browse: () => import("./components/browse/BrowsePage").then((m) => ({ default: m.BrowsePage })),
  analytics: () => import("./components/analytics/AnalyticsPage").then((m) => ({ default: m.AnalyticsPage })),
  saved: () => import("./components/saved/SavedPage").then((m) => ({ default: m.SavedPage })),
  settings: () => import("./components/SettingsPage").then((m) => ({ default: m.SettingsPage })),
  about: () => import("./components/AboutPage").then((m) => ({ default: m.AboutPage })),
} satisfies Partial<Record<Page, unknown>>;

const loadWizard = () => import("./components/InstanceWizard").then((m) => ({ default: m.InstanceWizard }));

export const BrowsePage = lazy(loaders.browse);
export const AnalyticsPage = lazy(loaders.analytics);
export const SavedPage = lazy(loaders.saved);
export const SettingsPage = lazy(loaders.settings);
export const AboutPage = lazy(loaders.about);
export const InstanceWizard = lazy(loadWizard);

/** Starts loading a screen's code before it is shown (the module loader keeps the one copy). */
export function preloadPage(page: Page) {
  if (page in loaders) void loaders[page as keyof typeof loaders]().catch(() => undefined);
}

export function preloadWizard() {
  void loadWizard().catch(() => undefined);
}

/** Every lazy screen's code, loaded (for tests, which used to get it with the App's import). */
export async function loadAllScreens(): Promise<void> {
  await Promise.all([...Object.values(loaders).map((load) => load()), loadWizard()]);
}

/** What a lazy screen shows while its code arrives: usually for a few milliseconds. */
export function ScreenLoading({ overlay = false }: { overlay?: boolean }) {
  const { t } = useI18n();
  return (
    <p role="status" className={overlay ? "muted screen-loading screen-loading-overlay" : "muted screen-loading"}>
      {t("common.loading")}
    </p>
  );
}
