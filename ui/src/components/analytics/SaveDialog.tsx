import { useState } from "react";
import { Button, ButtonStrip, Modal, ModalActions, ModalContent, ModalTitle } from "@dhis2/ui";
import * as api from "../../api";
import type { AppError, SavedQuestion } from "../../bindings";
import { useI18n } from "../../i18n";

type Props = {
  title: string;
  /** The name shown first. */
  initialName: string;
  /** What to save: a new question (id "") or a renamed one. */
  make: (name: string) => SavedQuestion;
  onClose: () => void;
  onSaved: (saved: SavedQuestion) => void;
};

/** Asks for a name and saves (names are unique: the core's message says when one is taken). */
export function NameDialog({ title, initialName, make, onClose, onSaved }: Props) {
  const { t } = useI18n();
  const [name, setName] = useState(initialName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  async function save() {
    if (!name.trim()) {
      setError({ kind: "invalid_input", message: t("saved.nameNeeded") });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSaved(await api.savedSave(make(name.trim())));
    } catch (e) {
      setError(api.toAppError(e));
      setBusy(false);
    }
  }

  return (
    <Modal small onClose={busy ? undefined : onClose} dataTest="name-dialog">
      <ModalTitle>{title}</ModalTitle>
      <ModalContent>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label htmlFor="question-name" className="label">
            {t("saved.name")}
          </label>
          <input
            id="question-name"
            className="text-input"
            value={name}
            autoFocus
            onChange={(e) => setName(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "question-name-error" : undefined}
            data-test="question-name"
          />
          {error && (
            <p id="question-name-error" className="small state-warn" role="alert">
              {error.message || t("err.invalid_input")}
            </p>
          )}
        </form>
      </ModalContent>
      <ModalActions>
        <ButtonStrip end>
          <Button secondary onClick={onClose} disabled={busy}>
            {t("common.cancel")}
          </Button>
          <Button primary onClick={() => void save()} loading={busy} dataTest="name-save">
            {t("common.save")}
          </Button>
        </ButtonStrip>
      </ModalActions>
    </Modal>
  );
}
