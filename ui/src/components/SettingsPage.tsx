import { Button, Radio } from "@dhis2/ui";
import { LANGUAGES, LANGUAGE_NAMES, useI18n } from "../i18n";
import { useApp } from "../state";
import { Troubleshooting } from "./Troubleshooting";

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
