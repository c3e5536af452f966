import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type Dispatch, type ReactNode, type SetStateAction } from "react";
import * as api from "./api";
import { EMPTY_QUERY } from "./analytics/query";
import type { AnalyticsQuery, AppError, DeepLinkOutcome, Instance, InstancesState, SessionStatus } from "./bindings";

export type Page = "instances" | "browse" | "analytics" | "saved" | "settings" | "about";
/** `step` 3 opens the edit wizard at the credentials (e.g. after signing out of a Basic/PAT instance). */
export type WizardState = { mode: "add" } | { mode: "edit"; instance: Instance; step?: 1 | 3 } | null;
/** `keepSignedIn`: "Keep me signed in on this computer" (DHIS2 device enrolment, OAuth2 only). */
export type SignInRequest = { instanceId: string; differentUser: boolean; keepSignedIn: boolean } | null;
/** "Register dhis2w Desktop on this server" open for a password/PAT instance. */
export type RegisterRequest = { instanceId: string } | null;

type AppCtx = {
  state: InstancesState | null;
  loadError: AppError | null;
  sessions: Record<string, SessionStatus>;
  active: Instance | null;
  refresh: () => Promise<void>;
  apply: (s: InstancesState) => void;
  setSession: (s: SessionStatus) => void;
  refreshSession: (id: string) => Promise<void>;
  setActive: (id: string) => Promise<void>;
  page: Page;
  navigate: (p: Page) => void;
  wizard: WizardState;
  setWizard: (w: WizardState) => void;
  signIn: SignInRequest;
  startSignIn: (instanceId: string, differentUser: boolean, keepSignedIn?: boolean) => void;
  closeSignIn: () => void;
  /** Whether each instance's user may register apps (canRegisterApps of its latest verify). */
  canRegister: Record<string, boolean>;
  noteCanRegister: (id: string, can: boolean | undefined) => void;
  /** Asks the server (instances_verify_saved) when nothing is known yet: once per instance per run. */
  checkCanRegister: (id: string) => void;
  register: RegisterRequest;
  openRegister: (instanceId: string) => void;
  closeRegister: () => void;
  /** A path (from search or a UID) the browser should load; set by openPath, cleared once loaded. */
  pendingOpen: string | null;
  openPath: (path: string) => void;
  clearOpen: () => void;
  /** The analytics builder's question: kept while moving between screens and instances. */
  builder: AnalyticsQuery;
  setBuilder: Dispatch<SetStateAction<AnalyticsQuery>>;
  /** Loads a (saved) question into the builder and shows it. */
  openQuery: (q: AnalyticsQuery) => void;
  /** What became of a sign-in link no running sign-in took (it started the app…), until dismissed. */
  linkOutcome: DeepLinkOutcome | null;
  dismissLinkOutcome: () => void;
};

const Ctx = createContext<AppCtx | null>(null);

export function AppStateProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<InstancesState | null>(null);
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [sessions, setSessions] = useState<Record<string, SessionStatus>>({});
  const [page, setPage] = useState<Page>("instances");
  const [wizard, setWizard] = useState<WizardState>(null);
  const [signIn, setSignIn] = useState<SignInRequest>(null);
  const [register, setRegister] = useState<RegisterRequest>(null);
  const [canRegister, setCanRegister] = useState<Record<string, boolean>>({});
  /** Instances whose flag is known or being asked for (no second call in this run). */
  const canRegisterAsked = useRef(new Set<string>());
  const [pendingOpen, setPendingOpen] = useState<string | null>(null);
  const [builder, setBuilder] = useState<AnalyticsQuery>(EMPTY_QUERY);
  const [linkOutcome, setLinkOutcome] = useState<DeepLinkOutcome | null>(null);

  const setSession = useCallback((s: SessionStatus) => {
    setSessions((prev) => ({ ...prev, [s.instanceId]: s }));
  }, []);

  const refreshSession = useCallback(
    async (id: string) => {
      try {
        setSession(await api.sessionStatus(id));
      } catch {
        /* the instance card shows "Checking…" until it can be read */
      }
    },
    [setSession],
  );

  const noteCanRegister = useCallback((id: string, can: boolean | undefined) => {
    canRegisterAsked.current.add(id);
    setCanRegister((prev) => (prev[id] === (can === true) ? prev : { ...prev, [id]: can === true }));
  }, []);

  const checkCanRegister = useCallback(
    (id: string) => {
      if (canRegisterAsked.current.has(id)) return;
      canRegisterAsked.current.add(id);
      api
        .instancesVerifySaved(id)
        .then((v) => noteCanRegister(id, v?.canRegisterApps))
        // Not known (server unreachable…): the action is not offered; the wizard's check can tell later.
        .catch(() => undefined);
    },
    [noteCanRegister],
  );

  const apply = useCallback(
    (s: InstancesState) => {
      setState(s);
      setLoadError(null);
      for (const i of s.instances) void refreshSession(i.id);
    },
    [refreshSession],
  );

  const refresh = useCallback(async () => {
    try {
      const listed = await api.instancesList();
      // The start-up benchmark splits "start → list painted" here (docs/performance.md, P3).
      if (performance.getEntriesByName("dhis2w-listed").length === 0) performance.mark("dhis2w-listed");
      apply(listed);
    } catch (e) {
      setLoadError(api.toAppError(e));
    }
  }, [apply]);

  const setActive = useCallback(
    async (id: string) => {
      try {
        apply(await api.instancesSetActive(id));
      } catch (e) {
        setLoadError(api.toAppError(e));
      }
    },
    [apply],
  );

  const noteLinkOutcome = useCallback(
    (o: DeepLinkOutcome | null) => {
      if (!o || (!o.status && !o.error)) return;
      if (o.status) setSession(o.status);
      setLinkOutcome(o);
    },
    [setSession],
  );

  useEffect(() => {
    // A sign-in link that started the app was handled before this window listened: its outcome
    // is kept for the window to take once, after the instances are loaded (to name them).
    void refresh()
      .then(() => api.appDeepLinkResult())
      // Taken once: kept even if this effect was cleaned up meanwhile (a second call has nothing).
      .then(noteLinkOutcome)
      .catch(() => undefined);
    const unlisteners: (() => void)[] = [];
    let dead = false;
    const keep = (u: () => void) => (dead ? u() : unlisteners.push(u));
    api.onSessionChanged(setSession).then(keep).catch(() => undefined);
    api.onDeepLinkResult(noteLinkOutcome).then(keep).catch(() => undefined);
    return () => {
      dead = true;
      for (const u of unlisteners) u();
    };
  }, [refresh, setSession, noteLinkOutcome]);

  // Instances added elsewhere (the dhis2w command line) appear when the window comes back.
  useEffect(() => {
    let last = 0;
    const again = () => {
      // focus and visibilitychange often come together: read once.
      if (Date.now() - last < 500) return;
      last = Date.now();
      void refresh();
    };
    const onVisible = () => {
      if (document.visibilityState === "visible") again();
    };
    window.addEventListener("focus", again);
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      window.removeEventListener("focus", again);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [refresh]);

  // Keep "expires in N min" fresh.
  const [, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);

  const active = useMemo(
    () => state?.instances.find((i) => i.id === state.activeId) ?? null,
    [state],
  );

  const value: AppCtx = {
    state,
    loadError,
    sessions,
    active,
    refresh,
    apply,
    setSession,
    refreshSession,
    setActive,
    page,
    navigate: setPage,
    wizard,
    setWizard,
    signIn,
    startSignIn: (instanceId, differentUser, keepSignedIn = false) => setSignIn({ instanceId, differentUser, keepSignedIn }),
    closeSignIn: () => setSignIn(null),
    canRegister,
    noteCanRegister,
    checkCanRegister,
    register,
    openRegister: (instanceId) => setRegister({ instanceId }),
    closeRegister: () => setRegister(null),
    pendingOpen,
    openPath: (path) => {
      setPendingOpen(path);
      setPage("browse");
    },
    clearOpen: () => setPendingOpen(null),
    builder,
    setBuilder,
    openQuery: (q) => {
      setBuilder({ ...EMPTY_QUERY, ...q });
      setPage("analytics");
    },
    linkOutcome,
    dismissLinkOutcome: () => setLinkOutcome(null),
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useApp(): AppCtx {
  const c = useContext(Ctx);
  if (!c) throw new Error("useApp outside AppStateProvider");
  return c;
}
