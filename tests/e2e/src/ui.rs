//! What a person does in dhis2w Desktop, as steps the scenarios share. Selectors are the UI's
//! accessible names, visible texts, form field names and `data-test` hooks (ui/src/components).

use std::time::Duration;

use anyhow::{bail, Context, Result};
use fantoccini::key::Key;
use serde_json::{json, Value};

use crate::{poll, xpath_lit, App};

pub const SHORT: Duration = Duration::from_secs(10);
pub const LONG: Duration = Duration::from_secs(45);

/// The instance card whose title is `name` (XPath).
pub fn card(name: &str) -> String {
    format!(
        "//li[contains(concat(' ', normalize-space(@class), ' '), ' instance-card ')][.//h3[normalize-space(.)={}]]",
        xpath_lit(name)
    )
}

/// A [`App::key_to`] predicate: the focused control is labelled `text` (a checkbox's label).
pub fn labelled(text: &str) -> String {
    format!(
        "el.closest('label') && el.closest('label').textContent.trim() === {}",
        json!(text)
    )
}

/// A [`App::key_to`] predicate: the focused element has this `data-test` hook and its text
/// contains `text`.
pub fn hook_with(hook: &str, text: &str) -> String {
    format!(
        "el.dataset.test === {} && el.textContent.includes({})",
        json!(hook),
        json!(text)
    )
}

/// How a person fills the wizard's Details step for each method.
pub enum Method<'a> {
    Basic {
        username: &'a str,
        password: &'a str,
    },
    Pat {
        token: &'a str,
    },
    OAuth2 {
        client_id: &'a str,
        client_secret: Option<&'a str>,
        deep_link: bool,
    },
}

impl App {
    /// Sends keystrokes to whatever has the focus, as a keyboard user types.
    pub async fn keys(&self, keys: &str) -> Result<()> {
        // The focused element can be re-rendered between finding it and typing (a card gains a
        // button when its administrator check answers): find it again, a few times.
        let mut attempt = 0;
        loop {
            let sent = match self.client.active_element().await {
                Ok(el) => el.send_keys(keys).await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(()) => return Ok(()),
                Err(e) if attempt < 5 && e.to_string().to_lowercase().contains("stale element") => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Presses `key` (Tab, an arrow…) until the focused element satisfies `pred`, a JavaScript
    /// expression over `el` (the focused element); fails after `max` presses.
    pub async fn key_to(&self, key: Key, pred: &str, max: usize) -> Result<()> {
        let script = format!("const el = document.activeElement; return !!(el && ({pred}));");
        for _ in 0..=max {
            if self.client.execute(&script, vec![]).await?.as_bool() == Some(true) {
                return Ok(());
            }
            self.keys(&key.to_string()).await?;
        }
        let here = self
            .client
            .execute(
                "const el = document.activeElement; return el ? el.outerHTML.slice(0, 200) : ''",
                vec![],
            )
            .await?;
        bail!("not reached with {max} presses of {key:?}: {pred} (focus on {here})")
    }

    /// Tabs to the control that satisfies `pred` (see [`App::key_to`]).
    pub async fn tab_to(&self, pred: &str) -> Result<()> {
        self.key_to(Key::Tab, pred, 250).await
    }

    /// Tabs to the main navigation's `page` button and presses Enter.
    pub async fn go_to_by_keyboard(&self, page: &str) -> Result<()> {
        self.tab_to(&format!(
            "el.closest('nav[aria-label=\"Main navigation\"]') && el.textContent.trim() === {}",
            json!(page)
        ))
        .await?;
        self.keys(&Key::Enter.to_string()).await
    }

    /// Clicks a main navigation button ("Instances", "Browse", "Settings").
    pub async fn go_to(&self, page: &str) -> Result<()> {
        self.click_button_in("//nav[@aria-label='Main navigation']", page)
            .await
    }

    /// Wizard steps 1–3: address, method, details; stops on step 4 ("Check and save").
    pub async fn wizard_to_step4(
        &self,
        address: &str,
        name: &str,
        method: &Method<'_>,
        colour: Option<&str>,
    ) -> Result<()> {
        self.go_to("Instances").await?;
        // First run shows one big "Add your DHIS2 server" button; later, "Add instance".
        self.click("[data-test=\"add-instance\"], [data-test=\"add-first-instance\"]")
            .await?;
        self.wait_text("Add a DHIS2 instance", SHORT).await?;
        self.fill("input[name=\"address\"]", address).await?;
        self.click_button("Check address").await?;
        self.wait_text_in("[data-test=\"probe-result\"]", "Found DHIS2", LONG)
            .await
            .context("checking the address")?;
        self.click("[data-test=\"next\"]").await?;

        self.wait_text("How do you want to sign in?", SHORT).await?;
        let m = match method {
            Method::Basic { .. } => "basic",
            Method::Pat { .. } => "pat",
            Method::OAuth2 { .. } => "oauth2",
        };
        self.click(&format!("[data-test=\"method-{m}\"]")).await?;
        self.click("[data-test=\"next\"]").await?;

        self.wait_el("input[name=\"name\"]", SHORT).await?;
        self.fill("input[name=\"name\"]", name).await?;
        match method {
            Method::Basic { username, password } => {
                self.fill("input[name=\"username\"]", username).await?;
                self.fill("input[name=\"password\"]", password).await?;
            }
            Method::Pat { token } => self.fill("input[name=\"pat\"]", token).await?,
            Method::OAuth2 {
                client_id,
                client_secret,
                deep_link,
            } => {
                self.fill("input[name=\"clientId\"]", client_id).await?;
                if let Some(s) = client_secret {
                    self.fill("input[name=\"clientSecret\"]", s).await?;
                }
                let mode = if *deep_link { "deep_link" } else { "loopback" };
                self.click(&format!(
                    "//input[@name='redirectMode'][@value='{mode}']/ancestor::label[1]"
                ))
                .await?;
            }
        }
        if let Some(c) = colour {
            self.click(&format!(
                "//button[@aria-label={}]",
                xpath_lit(&format!("Colour {c}"))
            ))
            .await?;
        }
        self.screenshot("wizard-details").await?;
        self.click("[data-test=\"next\"]").await?;
        self.wait_text("You are adding", SHORT).await?;
        Ok(())
    }

    /// On the wizard's step 4, "Check sign-in"; returns the success notice's text.
    pub async fn wizard_verify_ok(&self) -> Result<String> {
        self.click("[data-test=\"verify\"]").await?;
        self.wait_text_in("[data-test=\"verify-ok\"]", "Signed in as", LONG)
            .await
    }

    /// Saves the wizard and waits for it to close.
    pub async fn wizard_save(&self) -> Result<()> {
        self.click("[data-test=\"save\"]").await?;
        poll("the wizard to close", SHORT, || async {
            Ok((!self.is_shown("[data-test=\"wizard\"]").await?).then_some(()))
        })
        .await
    }

    /// The session line of an instance card ("Signed in as …", "Signed out", "Needs sign-in").
    pub async fn card_state(&self, name: &str) -> Result<String> {
        self.text_of(&format!("{}//*[@data-test='session-state']", card(name)))
            .await
    }

    pub async fn wait_card_state(
        &self,
        name: &str,
        needle: &str,
        timeout: Duration,
    ) -> Result<String> {
        self.go_to("Instances").await?;
        self.wait_text_in(
            &format!("{}//*[@data-test='session-state']", card(name)),
            needle,
            timeout,
        )
        .await
    }

    /// Presses a button in an instance card ("Sign in", "Sign out", "Switch to this one", …).
    pub async fn card_button(&self, name: &str, button: &str) -> Result<()> {
        self.go_to("Instances").await?;
        self.click_button_in(&card(name), button).await
    }

    /// Waits for the sign-in dialog to say "You are signed in as …"; returns that text, and
    /// closes the dialog.
    pub async fn wait_signed_in_dialog(&self, timeout: Duration) -> Result<String> {
        let t = self
            .wait_text_in(
                "[data-test=\"sign-in-dialog\"]",
                "You are signed in as",
                timeout,
            )
            .await
            .context("the sign-in dialog never said \"You are signed in as …\"")?;
        self.screenshot("signed-in").await?;
        self.click("[data-test=\"close-sign-in\"]").await?;
        Ok(t)
    }

    /// Browse page: GET `path` (typed into the path field) and wait for the response status.
    /// Returns (status text, response section text) or ("error", the error notice's text).
    pub async fn browse(&self, path: &str) -> Result<(String, String)> {
        self.go_to("Browse").await?;
        self.fill("#browse-path", path).await?;
        self.watch_browse().await?;
        self.click("[data-test=\"browse-send\"]").await?;
        self.wait_browse_result().await
    }

    /// Starts watching the Browse page for one request: while a request runs, the Get button
    /// becomes "Cancel request" (data-test browse-cancel). Call before the click that sends.
    pub async fn watch_browse(&self) -> Result<()> {
        self.client
            .execute(
                "if (window.__e2eObs) window.__e2eObs.disconnect();
                 window.__e2eSawLoading = false;
                 const check = () => { if (document.querySelector('[data-test=\"browse-cancel\"], [data-test=\"browse-progress\"]')) window.__e2eSawLoading = true; };
                 window.__e2eObs = new MutationObserver(check);
                 window.__e2eObs.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-test'] });",
                vec![],
            )
            .await?;
        Ok(())
    }

    /// Waits until the request watched by [`Self::watch_browse`] has finished; returns (status,
    /// response text) or ("error", error notice text).
    pub async fn wait_browse_result(&self) -> Result<(String, String)> {
        let r = poll("the request to finish on the Browse page", LONG, || async {
            let v = self
                .client
                .execute(
                    "if (!window.__e2eSawLoading) return null;
                     if (document.querySelector('[data-test=\"browse-cancel\"], [data-test=\"browse-progress\"]')) return null;
                     const err = document.querySelector('.browse-main [data-test=\"error-notice\"]');
                     if (err) return { error: err.innerText };
                     const s = document.querySelector('[data-test=\"response-status\"]');
                     const sec = document.querySelector('section.response');
                     if (s) return { status: s.innerText.trim(), text: sec ? sec.innerText : '' };
                     return null;",
                    vec![],
                )
                .await?;
            Ok(if v.is_null() { None } else { Some(v) })
        })
        .await;
        let r = match r {
            Ok(r) => r,
            Err(e) => return Err(self.fail(e).await),
        };
        if let Some(e) = r.get("error").and_then(|e| e.as_str()) {
            return Ok(("error".into(), e.to_string()));
        }
        Ok((
            r["status"].as_str().unwrap_or_default().to_string(),
            r["text"].as_str().unwrap_or_default().to_string(),
        ))
    }

    /// The response body as the user can see it in the viewer's Text mode.
    pub async fn response_as_text(&self) -> Result<String> {
        self.click_button_in("//section[contains(@class,'response')]", "Text")
            .await
            .ok();
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.text_of("section.response").await
    }

    /// The instances as the app reports them (ids are needed for keyring look-ups).
    pub async fn instances(&self) -> Result<Vec<Value>> {
        let v = self.invoke("instances_list", json!({})).await?;
        Ok(v["instances"].as_array().cloned().unwrap_or_default())
    }

    pub async fn instance_id(&self, name: &str) -> Result<String> {
        let list = self.instances().await?;
        for i in &list {
            if i["name"] == name {
                return Ok(i["id"].as_str().unwrap_or_default().to_string());
            }
        }
        bail!("no instance named {name}: {list:?}")
    }

    /// The header's top border colour (the active instance's colour tag), as `rgb(r, g, b)`.
    pub async fn header_colour(&self) -> Result<String> {
        let v = self
            .client
            .execute("return getComputedStyle(document.querySelector('header.app-header')).borderTopColor", vec![])
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Picks an instance in the header's "Active instance" switcher and waits for its list to close.
    pub async fn switch_in_header(&self, name: &str) -> Result<()> {
        self.click("[data-test=\"instance-switcher\"]").await?;
        let opt = format!(
            "//*[@role='option'][normalize-space(.)={n}]",
            n = xpath_lit(name)
        );
        self.wait_el(&opt, SHORT).await?;
        self.screenshot("switcher-open").await?;
        self.click(&opt)
            .await
            .context("choosing the instance in the header switcher")?;
        poll("the switcher's list to close", SHORT, || async {
            Ok((!self.is_shown("//*[@role='option']").await?).then_some(()))
        })
        .await
        .map_err(|e| e.context("the header switcher's list stays open after choosing"))?;
        Ok(())
    }
}

/// `#rrggbb` → `rgb(r, g, b)` (as getComputedStyle reports colours).
pub fn hex_to_rgb(hex: &str) -> String {
    let h = hex.trim_start_matches('#');
    let p = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap_or(0);
    format!("rgb({}, {}, {})", p(0), p(2), p(4))
}
