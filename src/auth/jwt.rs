//! HS256 access tokens carrying `sub` (user id), `role` and `exp`.

use chrono::Utc;
use jsonwebtoken::{decode, encode, errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::Role;
use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string (RFC 7519 StringOrURI).
    pub sub: String,
    pub role: Role,
    pub exp: i64,
    pub iat: i64,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_seconds: i64,
}

impl JwtKeys {
    pub fn new(secret: &str, ttl_minutes: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        JwtKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            ttl_seconds: ttl_minutes * 60,
        }
    }

    pub fn issue(&self, user_id: i64, role: Role) -> Result<String, ApiError> {
        let now = Utc::now().timestamp();
        let claims = Claims { sub: user_id.to_string(), role, iat: now, exp: now + self.ttl_seconds };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("token signing failed: {e}")))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => ApiError::Unauthorized("the token has expired; log in again".into()),
                _ => ApiError::Unauthorized("the token is invalid".into()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let keys = JwtKeys::new("a-secret-that-is-long-enough-000000", 60);
        let token = keys.issue(7, Role::Supervisor).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, "7");
        assert_eq!(claims.role, Role::Supervisor);
        let other = JwtKeys::new("another-secret-that-is-long-enough-0", 60);
        assert!(other.verify(&token).is_err());
        let expired = JwtKeys::new("a-secret-that-is-long-enough-000000", -10).issue(7, Role::Staff).unwrap();
        assert!(matches!(keys.verify(&expired), Err(ApiError::Unauthorized(m)) if m.contains("expired")));
    }
}
