import { Button, InputField, Radio } from "@dhis2/ui";
import { useState } from "react";
import { LANGUAGES, LANGUAGE_NAMES, useI18n } from "../i18n";
import { getViewLimitMb, MAX_VIEW_LIMIT_MB, MIN_VIEW_LIMIT_MB, parseViewLimitMb, setViewLimitMb } from "../settings/viewLimit";
import { useApp } from "../state";
import { Troubleshooting } from "./Troubleshooting";

/** "Largest answer to open": a valid number is kept at once; a bad one is shown as wrong and not kept. */
function ViewLimitField() {
  const { t } = useI18n();
  const [text, setText] = useState(() => String(getViewLimitMb()));
  const [saved, setSaved] = useState(getViewLimitMb);
  const bad = parseViewLimitMb(text) === null;
  return (
    <div className="card">
      <InputField
        label={t("settings.viewLimit")}
        name="viewLimitMb"
        type="number"
        min={String(MIN_VIEW_LIMIT_MB)}
        max={String(MAX_VIEW_LIMIT_MB)}
        step="1"
        inputWidth="12em"
        value={text}
        onChange={({ value }: { value?: string }) => {
          const v = value ?? "";
          setText(v);
          const n = setViewLimitMb(v);
          if (n !== null) setSaved(n);
        }}
        helpText={t("settings.viewLimitHelp")}
        error={bad}
        validationText={bad ? t("settings.viewLimitInvalid", { mb: saved }) : undefined}
        dataTest="view-limit"
      />
    </div>
  );
}

export function SettingsPage() {
  const { t, lang, setLang } = useI18n();
  const { navigate } = useApp();
  return (
    <section className="page" aria-labelledby="settings-title">
      <h1 id="settings-title">{t("settings.title")}</h1>
      <div className="card">
        <fieldset className="plain-fieldset">
          <legend className="h3">{t("settings.language")}</legend>
          {LANGUAGES.map((l) => (
            <Radio
              key={l}
              name="language"
              value={l}
              label={LANGUAGE_NAMES[l]}
              checked={lang === l}
              onChange={() => setLang(l)}
              dataTest={`lang-${l}`}
            />
          ))}
        </fieldset>
      </div>
      <ViewLimitField />
      <div className="card">
        <h2 className="h3">{t("settings.appearance")}</h2>
        <p className="m0">{t("settings.appearanceHelp")}</p>
      </div>
      <Troubleshooting />
      <div className="card">
        <Button onClick={() => navigate("about")}>{t("settings.about")}</Button>
      </div>
    </section>
  );
}
