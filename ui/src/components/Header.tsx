import { SimpleSingleSelect } from "@dhis2/ui";
import { useI18n } from "../i18n";
import { preloadPage } from "../screens";
import { useApp, type Page } from "../state";
import { ColorDot } from "./common";
import { SearchBox } from "./search/SearchBox";

const PAGES: { page: Page; key: "nav.instances" | "nav.browse" | "nav.analytics" | "nav.saved" | "nav.settings" }[] = [
  { page: "instances", key: "nav.instances" },
  { page: "browse", key: "nav.browse" },
  { page: "analytics", key: "nav.analytics" },
  { page: "saved", key: "nav.saved" },
  { page: "settings", key: "nav.settings" },
];

/** The id from what SimpleSingleSelect's onChange passes: an option object or (per its typings) a string. */
export function optionValue(picked: unknown): string | null {
  if (typeof picked === "string") return picked || null;
  if (picked && typeof picked === "object" && "value" in picked) {
    const v = (picked as { value: unknown }).value;
    return typeof v === "string" && v ? v : null;
  }
  return null;
}

export function InstanceSwitcher() {
  const { t } = useI18n();
  const { state, active, setActive } = useApp();
  const instances = state?.instances ?? [];
  const options = instances.map((i) => ({ value: i.id, label: i.name }));
  const colour = active?.color ?? null;
  return (
    <div className="switcher">
      <span id="switcher-label" className="switcher-caption">
        {t("switcher.label")}
      </span>
      {/* The colour tells people which instance they are on: a bar on the switcher's edge and
          a dot, both on a white ground so that any colour shows (also the header's own blue). */}
      <div
        className={colour ? "switcher-select switcher-select-coloured" : "switcher-select"}
        style={colour ? { borderLeftColor: colour } : undefined}
        data-test="switcher-colour"
      >
        {colour && <ColorDot color={colour} size={14} />}
        <SimpleSingleSelect
          name="instance-switcher"
          labelledBy="switcher-label"
          dense
          options={options}
          selected={active ? { value: active.id, label: active.name } : undefined}
          placeholder={instances.length ? t("switcher.placeholder") : t("switcher.none")}
          disabled={instances.length === 0}
          // The component's typings say `(value: string)`, but at runtime @dhis2/ui calls onChange
          // with the chosen option (`{ value, label }`) — clicks and keyboard alike. Accept both
          // and always hand the command a plain string id.
          onChange={(picked: unknown) => {
            const id = optionValue(picked);
            if (id) void setActive(id);
          }}
          optionComponent={({ label, value }: { label: string; value: string }) => {
            const inst = instances.find((i) => i.id === value);
            return (
              <span className="switcher-option">
                <ColorDot color={inst?.color ?? null} /> {label}
              </span>
            );
          }}
          dataTest="instance-switcher"
        />
      </div>
    </div>
  );
}

export function Header() {
  const { t } = useI18n();
  const { page, navigate, active } = useApp();
  return (
    <header className="app-header" style={{ borderTopColor: active?.color ?? "transparent" }}>
      <span className="app-name">{t("app.name")}</span>
      <nav aria-label={t("nav.label")} className="app-nav">
        {PAGES.map((p) => (
          <button
            key={p.page}
            type="button"
            className={page === p.page ? "nav-btn nav-btn-active" : "nav-btn"}
            aria-current={page === p.page ? "page" : undefined}
            onClick={() => navigate(p.page)}
            // The screen's code starts loading when the button is pointed at or tabbed to.
            onPointerEnter={() => preloadPage(p.page)}
            onFocus={() => preloadPage(p.page)}
          >
            {t(p.key)}
          </button>
        ))}
      </nav>
      <div className="header-spacer" />
      <SearchBox />
      <InstanceSwitcher />
    </header>
  );
}
