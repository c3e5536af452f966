import { CssReset, CssVariables } from "@dhis2/ui";
import { I18nProvider } from "./i18n";
import { AppStateProvider, useApp } from "./state";
import { Header } from "./components/Header";
import { InstancesPage } from "./components/InstancesPage";
import { BrowsePage } from "./components/browse/BrowsePage";
import { SettingsPage } from "./components/SettingsPage";
import { AnalyticsPage } from "./components/analytics/AnalyticsPage";
import { SavedPage } from "./components/saved/SavedPage";
import { AboutPage } from "./components/AboutPage";
import { InstanceWizard } from "./components/InstanceWizard";
import { SignInDialog } from "./components/SignInDialog";

function Shell() {
  const { page, wizard, signIn } = useApp();
  return (
    <div className="app">
      <Header />
      <main className="app-main" id="main">
        {page === "instances" && <InstancesPage />}
        {page === "browse" && <BrowsePage />}
        {page === "analytics" && <AnalyticsPage />}
        {page === "saved" && <SavedPage />}
        {page === "settings" && <SettingsPage />}
        {page === "about" && <AboutPage />}
      </main>
      {wizard && <InstanceWizard key={wizard.mode === "edit" ? wizard.instance.id : "add"} />}
      {signIn && <SignInDialog key={signIn.instanceId + String(signIn.differentUser)} />}
    </div>
  );
}

export function App() {
  return (
    <I18nProvider>
      <CssReset />
      <CssVariables colors spacers theme elevations layers />
      <AppStateProvider>
        <Shell />
      </AppStateProvider>
    </I18nProvider>
  );
}
