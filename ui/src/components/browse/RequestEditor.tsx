import type { FormEvent } from "react";
import { Button, Checkbox, InputField } from "@dhis2/ui";
import type { ResourcePath } from "../../bindings";
import { useI18n } from "../../i18n";
import { EMPTY_QUERY, QUICK_LINKS, type QueryForm } from "./query";

type Props = {
  path: string;
  setPath: (p: string) => void;
  query: QueryForm;
  setQuery: (q: QueryForm) => void;
  suggestions: ResourcePath[];
  loading: boolean;
  onSubmit: () => void;
  onCancel: () => void;
  onGo: (path: string, q: QueryForm) => void;
};

/** Path, Get/Cancel, quick links and the query options. */
export function RequestEditor({ path, setPath, query, setQuery, suggestions, loading, onSubmit, onCancel, onGo }: Props) {
  const { t } = useI18n();
  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit();
      }}
      className="card browse-form"
      aria-label={t("browse.title")}
    >
      <div className="row-end">
        <div className="grow">
          <label htmlFor="browse-path" className="label">
            {t("browse.path")}
          </label>
          <input
            id="browse-path"
            className="text-input mono"
            list="browse-path-suggestions"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            aria-describedby="browse-path-help"
            autoComplete="off"
            spellCheck={false}
            data-test="browse-path"
          />
          <datalist id="browse-path-suggestions">
            {suggestions.map((s) => (
              <option key={s.path} value={s.path} label={s.displayName} />
            ))}
          </datalist>
          <span id="browse-path-help" className="help">
            {t("browse.pathHelp")}
          </span>
        </div>
        {loading ? (
          <Button destructive onClick={onCancel} dataTest="browse-cancel">
            {t("browse.cancel")}
          </Button>
        ) : (
          <Button type="submit" primary dataTest="browse-send">
            {t("browse.send")}
          </Button>
        )}
      </div>
      <div className="quick-links" role="group" aria-label={t("browse.quick")}>
        <span className="muted small">{t("browse.quick")}:</span>
        {QUICK_LINKS.map((l) => (
          <Button key={l.path} small secondary onClick={() => onGo(l.path, EMPTY_QUERY)}>
            {t(l.key)}
          </Button>
        ))}
      </div>
      <QueryOptions query={query} setQuery={setQuery} />
    </form>
  );
}

function QueryOptions({ query, setQuery }: { query: QueryForm; setQuery: (q: QueryForm) => void }) {
  const { t } = useI18n();
  return (
    <details className="details query-editor">
      <summary>{t("query.title")}</summary>
      <div className="query-grid">
        <InputField
          label={t("query.fields")}
          name="fields"
          value={query.fields}
          helpText={t("query.fieldsHelp")}
          onChange={({ value }: { value?: string }) => setQuery({ ...query, fields: value ?? "" })}
          dense
        />
        <InputField
          label={t("query.order")}
          name="order"
          value={query.order}
          helpText={t("query.orderHelp")}
          onChange={({ value }: { value?: string }) => setQuery({ ...query, order: value ?? "" })}
          dense
        />
        {query.filters.map((f, i) => (
          <div className="row-end" key={i}>
            <div className="grow">
              <InputField
                label={t("query.filter", { n: i + 1 })}
                name={`filter-${i}`}
                value={f}
                helpText={i === 0 ? t("query.filterHelp") : undefined}
                onChange={({ value }: { value?: string }) =>
                  setQuery({ ...query, filters: query.filters.map((x, j) => (j === i ? (value ?? "") : x)) })
                }
                dense
              />
            </div>
            {query.filters.length > 1 && (
              <Button
                small
                secondary
                aria-label={t("query.removeFilter", { n: i + 1 })}
                title={t("query.removeFilter", { n: i + 1 })}
                onClick={() => setQuery({ ...query, filters: query.filters.filter((_, j) => j !== i) })}
              >
                ✕
              </Button>
            )}
          </div>
        ))}
        <div>
          <Button small secondary onClick={() => setQuery({ ...query, filters: [...query.filters, ""] })}>
            {t("query.addFilter")}
          </Button>
        </div>
        <InputField
          label={t("query.page")}
          name="page"
          type="number"
          min="1"
          value={query.page}
          onChange={({ value }: { value?: string }) => setQuery({ ...query, page: value ?? "" })}
          dense
        />
        <InputField
          label={t("query.pageSize")}
          name="pageSize"
          type="number"
          min="1"
          value={query.pageSize}
          onChange={({ value }: { value?: string }) => setQuery({ ...query, pageSize: value ?? "" })}
          dense
        />
        <Checkbox
          label={t("query.paging")}
          name="paging"
          checked={query.paging}
          onChange={({ checked }: { checked: boolean }) => setQuery({ ...query, paging: checked })}
        />
      </div>
    </details>
  );
}
