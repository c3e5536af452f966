//! Personal Access Tokens: `Authorization: ApiToken <pat>`, checked offline before use.

use super::{static_auth_provider, StaticAuthorization};
use crate::{Error, ErrorKind, Result, Secret};

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Which DHIS2 PAT format a token has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatVersion {
    /// `d2pat_` + 32 + 10-digit decimal CRC32 (created by DHIS2 2.39/2.40).
    V1,
    /// `d2p_` + 44 + 6-character base62 CRC32 (created by DHIS2 2.41 and newer).
    V2,
}

/// CRC32 of `code` followed by ⌊len × 1.1⌋ − len NUL bytes: the quirk of DHIS2 2.41+'s
/// `UTF_8.encode(CharBuffer)` backing array (dhis2-server.md §4.3).
fn padded_crc(code: &[u8]) -> u32 {
    let padded_len = code.len() * 11 / 10;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(code);
    hasher.update(&vec![0u8; padded_len - code.len()]);
    hasher.finalize()
}

fn base62_6(mut n: u32) -> String {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    // A u32 fits in 6 base62 digits (62^6 > 2^32), so nothing is lost.
    out.iter().map(|&b| char::from(b)).collect()
}

fn malformed(detail: &str) -> Error {
    Error::new(
        ErrorKind::PatMalformed,
        format!(
            "This personal access token looks mistyped ({detail}). Copy it again from DHIS2 \
             (Profile → Personal access tokens); a token starts with d2p_ or d2pat_."
        ),
    )
}

/// Checks a PAT offline: prefix, length, alphabet and DHIS2's checksum. Accepts the padded CRC
/// for `d2p_` tokens, and either the padded or the plain CRC for `d2pat_` tokens.
/// Surrounding whitespace is ignored. Errors have kind [`ErrorKind::PatMalformed`].
pub fn check_pat(token: &str) -> Result<PatVersion> {
    let token = token.trim();
    let (version, body, code_len, sum_len) = if let Some(body) = token.strip_prefix("d2p_") {
        (PatVersion::V2, body, 44, 6)
    } else if let Some(body) = token.strip_prefix("d2pat_") {
        (PatVersion::V1, body, 32, 10)
    } else {
        return Err(malformed("it does not start with d2p_ or d2pat_"));
    };
    if !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(malformed("it contains characters a token never has"));
    }
    if body.len() != code_len + sum_len {
        return Err(malformed(&format!(
            "it has {} characters after the prefix instead of {}",
            body.len(),
            code_len + sum_len
        )));
    }
    let (code, sum) = body.split_at(code_len);
    let ok = match version {
        PatVersion::V2 => base62_6(padded_crc(code.as_bytes())) == sum,
        PatVersion::V1 => {
            let padded = format!("{:010}", padded_crc(code.as_bytes()));
            let plain = format!("{:010}", crc32fast::hash(code.as_bytes()));
            sum == padded || sum == plain
        }
    };
    if ok {
        Ok(version)
    } else {
        Err(malformed("its checksum does not match"))
    }
}

/// Personal Access Token authentication: `Authorization: ApiToken <pat>`.
pub struct PatAuth {
    header: StaticAuthorization,
    version: PatVersion,
}

impl PatAuth {
    /// Checks the token offline ([`check_pat`]) and builds the provider. A mistyped token is an
    /// instant [`ErrorKind::PatMalformed`] error, before anything is sent.
    pub fn new(token: Secret) -> Result<Self> {
        let version = check_pat(token.expose())?;
        let header = StaticAuthorization::new(&format!("ApiToken {}", token.expose().trim()))
            .ok_or_else(|| malformed("it contains characters a token never has"))?;
        Ok(Self { header, version })
    }

    /// The token's format.
    pub fn version(&self) -> PatVersion {
        self.version
    }
}

impl std::fmt::Debug for PatAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatAuth")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

static_auth_provider!(PatAuth, "pat");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthProvider;
    use reqwest::header::AUTHORIZATION;

    const VALID: [&str; 6] = [
        "d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa051Mei",
        "d2p_z9T7lpwaWUcvi8yBWt5zvB0LMUfUayHChm7SWGeNrYOJ38vtdY",
        "d2p_ncHEvom5vkYYb6Rr2Jg4LbpS8L7khNzk8YDPw1KqZKD54Z8410",
        "d2pat_e0b5Y9bXWtUcfEY8BMHHj9aJZkXCQ7O50174669582",
        "d2pat_rxIbXljF8Pj5oFRTos4bDmPTnnRu8f4M2723141895",
        "d2pat_kUZDgXG5BbA3xXxgVTsx1SxiIVTRHA653675120217",
    ];

    #[test]
    fn accepts_dhis2_test_vectors() {
        for t in VALID {
            assert!(check_pat(t).is_ok(), "{t} should pass");
        }
        assert_eq!(check_pat(VALID[0]).unwrap(), PatVersion::V2);
        assert_eq!(check_pat(VALID[3]).unwrap(), PatVersion::V1);
        assert!(check_pat(&format!("  {}\n", VALID[0])).is_ok());
    }

    #[test]
    fn rejects_every_single_character_change() {
        for t in VALID {
            let prefix = if t.starts_with("d2p_") { 4 } else { 6 };
            for i in prefix..t.len() {
                let mut b = t.as_bytes().to_vec();
                b[i] = if b[i] == b'A' { b'B' } else { b'A' };
                let changed = String::from_utf8(b).unwrap();
                let err = check_pat(&changed).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::PatMalformed, "{changed}");
            }
        }
    }

    #[test]
    fn v2_rejects_plain_crc_and_v1_accepts_it() {
        // Plain-CRC checksums from the §4.3 table.
        assert!(check_pat("d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa1jU4oK").is_err());
        assert!(check_pat("d2p_z9T7lpwaWUcvi8yBWt5zvB0LMUfUayHChm7SWGeNrYOJ408ZMN").is_err());
        assert!(check_pat("d2p_ncHEvom5vkYYb6Rr2Jg4LbpS8L7khNzk8YDPw1KqZKD50bEeXn").is_err());
        assert!(check_pat("d2pat_e0b5Y9bXWtUcfEY8BMHHj9aJZkXCQ7O51702412917").is_ok());
        assert!(check_pat("d2pat_rxIbXljF8Pj5oFRTos4bDmPTnnRu8f4M2602614288").is_ok());
        assert!(check_pat("d2pat_kUZDgXG5BbA3xXxgVTsx1SxiIVTRHA651286061598").is_ok());
        // The docs' 2.40 example (plain CRC).
        assert!(check_pat("d2pat_5xVA12xyUbWNedQxy4ohH77WlxRGVvZZ1151814092").is_ok());
    }

    #[test]
    fn rejects_wrong_shapes_with_friendly_words() {
        for bad in [
            "",
            "district",
            "d2p_",
            "d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa051Me",
            "d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa051Mei1",
            "d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgw-051Mei",
            "D2P_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa051Mei",
        ] {
            let e = check_pat(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::PatMalformed);
            assert!(e.message().contains("mistyped"));
            assert!(!e.message().contains("iKrAY7"), "never echo the token");
        }
    }

    #[tokio::test]
    async fn pat_auth_builds_header_and_refuses_bad_tokens_at_construction() {
        let p = PatAuth::new(Secret::new(VALID[0])).unwrap();
        let h = p.headers().await.unwrap();
        assert_eq!(h[AUTHORIZATION], format!("ApiToken {}", VALID[0]).as_str());
        assert!(h[AUTHORIZATION].is_sensitive());
        assert!(!format!("{p:?}").contains("iKrAY"));
        let e = PatAuth::new(Secret::new(
            "d2p_iKrAY7sR6rPea1rub181baRzyyui2AW07ymXPRExAgwa051Mej",
        ))
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PatMalformed);
    }
}
