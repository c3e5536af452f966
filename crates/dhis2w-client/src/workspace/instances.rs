//! The workspace's saved instances: list, add, edit, remove, default/active, import, presets.

use super::Workspace;
use crate::profile::{ImportReport, Instance, InstanceInput};
use crate::secret_store::StoredSecrets;
use crate::{Error, ErrorKind, Result};
use std::path::{Path, PathBuf};

/// One saved instance and which of its secrets are stored (never their values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedInstance {
    /// The instance.
    pub instance: Instance,
    /// Which secrets are stored.
    pub secrets: StoredSecrets,
}

/// Every saved instance, with the default and the active one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceListing {
    /// In the order they were added.
    pub instances: Vec<ListedInstance>,
    /// The default instance's id.
    pub default_id: Option<String>,
    /// The active instance's id.
    pub active_id: Option<String>,
    /// Why the profiles file is read-only (written by a newer dhis2w), if it is.
    pub read_only: Option<String>,
}

impl Workspace {
    /// All instances, re-read from the file when another program (the CLI, the app) changed it.
    pub async fn instances(&self) -> Result<Vec<Instance>> {
        let mut p = self.profiles.lock().await;
        p.refresh()?;
        Ok(p.instances().to_vec())
    }

    /// The instance `id` or `not_found`.
    pub async fn instance(&self, id: &str) -> Result<Instance> {
        let mut p = self.profiles.lock().await;
        p.refresh()?;
        p.require(id).cloned()
    }

    /// The instance a front end means by `wanted` (an id or a name, case-insensitive); with
    /// `None`: the active instance, else the default, else the only one.
    pub async fn pick_instance(&self, wanted: Option<&str>) -> Result<Instance> {
        let mut p = self.profiles.lock().await;
        p.refresh()?;
        if let Some(w) = wanted.map(str::trim).filter(|w| !w.is_empty()) {
            return p
                .get(w)
                .or_else(|| p.find_by_name(w))
                .cloned()
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::NotFound,
                        format!("No saved instance is called \"{w}\". List them with `dhis2w instances list`."),
                    )
                });
        }
        let chosen = p
            .active_id()
            .and_then(|id| p.get(id))
            .or_else(|| p.default_id().and_then(|id| p.get(id)))
            .or_else(|| match p.instances() {
                [only] => Some(only),
                _ => None,
            });
        chosen.cloned().ok_or_else(|| {
            let message = if p.instances().is_empty() {
                "No instance is saved yet. Add one first (in the app, or with `dhis2w instances add`)."
            } else {
                "Several instances are saved and none is the default. Name one, or choose a default."
            };
            Error::new(ErrorKind::NotFound, message)
        })
    }

    /// Every instance with its stored-secret flags, the default and the active one.
    pub async fn listing(&self) -> Result<InstanceListing> {
        let (list, default_id, active_id, read_only) = {
            let mut p = self.profiles.lock().await;
            p.refresh()?;
            (
                p.instances().to_vec(),
                p.default_id().map(str::to_owned),
                p.active_id().map(str::to_owned),
                p.read_only().map(str::to_owned),
            )
        };
        let mut instances = Vec::with_capacity(list.len());
        for instance in list {
            let secrets = self.secrets.stored(&instance.id).await?;
            instances.push(ListedInstance { instance, secrets });
        }
        Ok(InstanceListing {
            instances,
            default_id,
            active_id,
            read_only,
        })
    }

    /// Which secrets are stored for `id`.
    pub async fn stored(&self, id: &str) -> Result<StoredSecrets> {
        self.secrets.stored(id).await
    }

    /// Validates and saves a new instance, then stores the secrets it came with. When a secret
    /// cannot be stored, the instance is removed again: nothing is half-saved.
    pub async fn add_instance(&self, input: &InstanceInput) -> Result<Instance> {
        let inst = self.profiles.lock().await.add(input)?;
        if let Err(e) = self.secrets.save_input_secrets(&inst.id, input).await {
            let _ = self
                .profiles
                .lock()
                .await
                .remove(&inst.id, &self.secrets)
                .await;
            return Err(e);
        }
        Ok(inst)
    }

    /// Replaces instance `id`'s settings; secrets left `None` in `input` keep what is stored.
    /// When a new secret cannot be stored (the keyring is locked or refuses), the settings and
    /// the secrets are put back as they were: nothing is half-saved.
    pub async fn edit_instance(&self, id: &str, input: &InstanceInput) -> Result<Instance> {
        use crate::secret_store::SecretKind;
        let before = self.instance(id).await?;
        // The secrets this edit replaces, read first: a keyring that cannot even be read stops
        // the edit before anything changes.
        let mut previous = Vec::new();
        for (kind, value) in [
            (SecretKind::Password, &input.password),
            (SecretKind::Pat, &input.pat),
            (SecretKind::ClientSecret, &input.client_secret),
        ] {
            if value.as_ref().is_some_and(|v| !v.is_empty()) {
                previous.push((kind, self.secrets.reveal(id, kind).await?));
            }
        }
        let inst = self.profiles.lock().await.update(id, input)?;
        if let Err(e) = self.secrets.save_input_secrets(&inst.id, input).await {
            let restore = crate::profile::input_from(&before);
            if let Err(undo) = self.profiles.lock().await.update(id, &restore) {
                tracing::error!(error = %undo.message(), "could not put the instance back after a keyring failure");
            }
            for (kind, old) in previous {
                let _ = match old {
                    Some(v) => self.secrets.set(id, kind, v).await,
                    None => self.secrets.delete(id, kind).await,
                };
            }
            self.forget_session(id);
            return Err(e);
        }
        // A browser sign-in belongs to one server address and app registration: after either
        // changes it can never be used again, so it is deleted and the instance is signed out
        // (kept, it made every status check fail with "sign in again").
        let client = |i: &Instance| i.oauth2.as_ref().map(|o| o.client_id.clone());
        if before.base_url != inst.base_url
            || client(&before) != client(&inst)
            || before.auth_kind != inst.auth_kind
        {
            self.secrets
                .delete(&inst.id, crate::secret_store::SecretKind::OAuth2Token)
                .await?;
        }
        self.forget_session(id);
        Ok(inst)
    }

    /// Removes instance `id` with its secrets, tokens and request history.
    pub async fn remove_instance(&self, id: &str) -> Result<Instance> {
        self.cancel_sign_in(id);
        let removed = self.profiles.lock().await.remove(id, &self.secrets).await?;
        self.forget_session(id);
        self.history.remove_instance(id)?;
        Ok(removed)
    }

    /// Makes `id` the default instance.
    pub async fn set_default(&self, id: &str) -> Result<()> {
        self.profiles.lock().await.set_default(Some(id))
    }

    /// Makes `id` the active instance.
    pub async fn set_active(&self, id: &str) -> Result<()> {
        self.profiles.lock().await.set_active(Some(id))
    }

    /// Imports the dhis2w CLI's profiles from `paths` (secrets into the keyring).
    pub async fn import_dhis2w(&self, paths: &[PathBuf]) -> Result<ImportReport> {
        self.profiles
            .lock()
            .await
            .import_dhis2w(paths, &self.secrets)
            .await
    }

    /// Adds the instances listed in a presets file (a JSON array, or `{"instances": [...]}`, of
    /// `InstanceInput`s with optional secrets) unless one with the same name exists.
    pub async fn add_presets(&self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("The presets file {} cannot be read.", path.display()),
            )
            .with_source(e)
        })?;
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Presets {
            List(Vec<InstanceInput>),
            Wrapped { instances: Vec<InstanceInput> },
        }
        let presets = match serde_json::from_str::<Presets>(&text) {
            Ok(Presets::List(l)) | Ok(Presets::Wrapped { instances: l }) => l,
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    format!("The presets file {} is not valid: {e}", path.display()),
                ))
            }
        };
        let mut profiles = self.profiles.lock().await;
        for input in presets {
            if profiles.find_by_name(&input.name).is_some() {
                continue;
            }
            let inst = profiles.add(&input)?;
            self.secrets.save_input_secrets(&inst.id, &input).await?;
        }
        Ok(())
    }
}
