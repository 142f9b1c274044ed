//! Bearer tokens: HS256 JWTs signed with the server's secret (`STAFFGRAPH_JWT_SECRET`).

use super::Role;
use crate::error::{ApiError, ApiResult};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What a token says (DESIGN.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claims {
    /// The subject's employee number (absent for service accounts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The role.
    pub role: Role,
    /// Organization codes a principal's scope covers.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub schools: Vec<String>,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
}

/// The claims as they arrive, before the role is checked.
#[derive(Debug, Deserialize)]
struct RawClaims {
    sub: Option<String>,
    role: String,
    #[serde(default)]
    schools: Vec<String>,
    exp: u64,
    /// Checked by the JWT library when it is a number; anything else is refused here.
    #[serde(default)]
    nbf: Option<serde_json::Value>,
}

impl Claims {
    /// Claims for `role` valid for `ttl` from now. A principal needs a school; an employee
    /// needs an employee number.
    pub fn new(role: Role, schools: Vec<String>, employee: Option<String>, ttl: Duration) -> ApiResult<Self> {
        if role == Role::Principal && schools.is_empty() {
            return Err(ApiError::bad_input(
                "school",
                "a PRINCIPAL token needs at least one --school",
            ));
        }
        if role == Role::Employee && employee.is_none() {
            return Err(ApiError::bad_input("employee", "an EMPLOYEE token needs --employee"));
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Ok(Self {
            sub: employee,
            role,
            schools,
            exp: (now + ttl).as_secs(),
        })
    }
}

/// The shortest signing secret the server accepts: HS256 keys shorter than the hash's 32
/// bytes are guessable offline from one token.
pub const MIN_SECRET_BYTES: usize = 32;

/// `secret` if it is long enough to sign tokens with.
pub fn checked_secret(secret: &str) -> Result<&str, String> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "STAFFGRAPH_JWT_SECRET is {} bytes; it must be at least {MIN_SECRET_BYTES} (e.g. `openssl rand -hex 32`)",
            secret.len()
        ));
    }
    Ok(secret)
}

/// The longest a token may live when the server is not told otherwise
/// (`STAFFGRAPH_TOKEN_MAX_TTL`): a working day and a half, so that a leaked token is useless
/// by the next morning but one.
pub const DEFAULT_MAX_TTL: Duration = Duration::from_secs(36 * 3600);

/// The server's signing and verifying keys, and the longest lifetime a token may have.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    max_ttl: Duration,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

impl Keys {
    /// The keys of the HS256 `secret` (`STAFFGRAPH_JWT_SECRET`).
    pub fn from_secret(secret: &str) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            max_ttl: DEFAULT_MAX_TTL,
        }
    }

    /// These keys, refusing tokens that expire more than `max_ttl` from now (and minting none).
    pub fn with_max_ttl(mut self, max_ttl: Duration) -> Self {
        self.max_ttl = max_ttl;
        self
    }

    /// The longest lifetime a token may have.
    pub fn max_ttl(&self) -> Duration {
        self.max_ttl
    }

    /// A fresh random secret (for the embedded demo only) and its keys.
    pub fn generate() -> (Self, String) {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        (Self::from_secret(&secret), secret)
    }

    /// A signed token carrying `claims`; refused when they outlive the maximum lifetime.
    pub fn mint(&self, claims: &Claims) -> ApiResult<String> {
        if claims.exp > now_secs().saturating_add(self.max_ttl.as_secs()) {
            return Err(ApiError::bad_input(
                "ttl",
                format!(
                    "a token may live at most {} (STAFFGRAPH_TOKEN_MAX_TTL)",
                    humantime::format_duration(self.max_ttl)
                ),
            ));
        }
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("signing a token: {e}")))
    }

    /// The claims of a token this server signed, already valid (`nbf`), not expired and not
    /// living longer than the maximum lifetime; UNAUTHENTICATED otherwise, saying why.
    pub fn verify(&self, token: &str) -> ApiResult<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp"]);
        let raw = jsonwebtoken::decode::<RawClaims>(token, &self.decoding, &validation).map_err(|e| {
            ApiError::Unauthenticated(
                match e.kind() {
                    ErrorKind::ExpiredSignature => "the bearer token has expired",
                    ErrorKind::ImmatureSignature => "the bearer token is not valid yet (nbf)",
                    ErrorKind::InvalidSignature => "the bearer token is not signed by this server",
                    ErrorKind::InvalidAlgorithm => "the bearer token must be signed with HS256",
                    _ => "the bearer token is malformed",
                }
                .into(),
            )
        })?;
        let raw = raw.claims;
        if raw.nbf.as_ref().is_some_and(|nbf| !nbf.is_number()) {
            return Err(ApiError::Unauthenticated(
                "the bearer token's nbf is not a time (seconds since the epoch)".into(),
            ));
        }
        if raw.exp > now_secs().saturating_add(self.max_ttl.as_secs()) {
            return Err(ApiError::Unauthenticated(format!(
                "the bearer token lives longer than this server allows ({}); ask for a new one",
                humantime::format_duration(self.max_ttl)
            )));
        }
        let role = serde_json::from_value::<Role>(serde_json::Value::String(raw.role.clone())).map_err(|_| {
            ApiError::Unauthenticated(format!(
                "the bearer token's role `{}` is not one of ADMIN, HR, ANALYST, PRINCIPAL, EMPLOYEE, PUBLIC",
                raw.role
            ))
        })?;
        Ok(Claims {
            sub: raw.sub,
            role,
            schools: raw.schools,
            exp: raw.exp,
        })
    }
}

/// Seconds since the epoch, now.
fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Parses a token lifetime such as `8h`, `30m` or `7d`.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("`{text}` is not a duration such as 8h or 30m: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_minted_token_verifies_with_its_claims() {
        let keys = Keys::from_secret("s3cret");
        let claims = Claims::new(
            Role::Principal,
            vec!["SCH-101".into()],
            Some("E1".into()),
            Duration::from_secs(60),
        )
        .unwrap();
        assert_eq!(keys.verify(&keys.mint(&claims).unwrap()).unwrap(), claims);
    }

    #[test]
    fn expired_foreign_and_malformed_tokens_are_unauthenticated() {
        let keys = Keys::from_secret("s3cret");
        let mut claims = Claims::new(Role::Admin, vec![], None, Duration::from_secs(60)).unwrap();
        claims.exp -= 3600;
        let expired = keys.verify(&keys.mint(&claims).unwrap()).unwrap_err();
        assert!(expired.to_string().contains("expired"), "{expired}");
        let foreign =
            Keys::from_secret("other").mint(&Claims::new(Role::Admin, vec![], None, Duration::from_secs(60)).unwrap());
        assert_eq!(keys.verify(&foreign.unwrap()).unwrap_err().code(), "UNAUTHENTICATED");
        assert_eq!(keys.verify("not.a.token").unwrap_err().code(), "UNAUTHENTICATED");
    }

    /// A token signed with `keys`' secret carrying any JSON claims (as another issuer might).
    fn raw_token(secret: &str, claims: serde_json::Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn a_token_not_valid_yet_or_living_too_long_is_unauthenticated() {
        let keys = Keys::from_secret("s3cret").with_max_ttl(Duration::from_secs(3600));
        let now = now_secs();
        let early = raw_token(
            "s3cret",
            serde_json::json!({ "role": "ADMIN", "exp": now + 600, "nbf": now + 300 }),
        );
        let refused = keys.verify(&early).unwrap_err();
        assert_eq!(refused.code(), "UNAUTHENTICATED");
        assert!(refused.to_string().contains("not valid yet"), "{refused}");
        for odd in [json!("2030-01-01"), json!(true), json!({ "at": 1 })] {
            let token = raw_token(
                "s3cret",
                serde_json::json!({ "role": "ADMIN", "exp": now + 600, "nbf": odd }),
            );
            assert_eq!(keys.verify(&token).unwrap_err().code(), "UNAUTHENTICATED", "nbf {odd}");
        }
        let started = raw_token(
            "s3cret",
            serde_json::json!({ "role": "ADMIN", "exp": now + 600, "nbf": now - 5 }),
        );
        assert!(keys.verify(&started).is_ok());
        // A year-long token signed with the right secret is still refused.
        let forever = raw_token(
            "s3cret",
            serde_json::json!({ "role": "ADMIN", "exp": now + 365 * 86_400 }),
        );
        let refused = keys.verify(&forever).unwrap_err();
        assert!(
            refused.to_string().contains("longer than this server allows"),
            "{refused}"
        );
        // And the server mints none.
        let long = Claims::new(Role::Admin, vec![], None, Duration::from_secs(2 * 3600)).unwrap();
        assert_eq!(keys.mint(&long).unwrap_err().code(), "BAD_USER_INPUT");
        assert_eq!(Keys::from_secret("s3cret").max_ttl(), DEFAULT_MAX_TTL);
    }

    #[test]
    fn principals_need_a_school_and_employees_a_number() {
        assert!(Claims::new(Role::Principal, vec![], None, Duration::from_secs(1)).is_err());
        assert!(Claims::new(Role::Employee, vec![], None, Duration::from_secs(1)).is_err());
        assert_eq!(parse_ttl("8h").unwrap(), Duration::from_secs(8 * 3600));
        assert!(parse_ttl("soon").is_err());
    }
}
