//! Tenants and access: operator accounts (argon2id), database sessions, API keys (hashed).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use quanzi_domain::access::{ApiScope, OperatorRole};
use quanzi_domain::{Invalid, OperatorId, TenantId};
use quanzi_store::access as repo;
use quanzi_store::{Db, tenant, unique};
use sha2::{Digest, Sha256};

use crate::views::{ApiKey, Operator, SessionView, Tenant};
use crate::{CoreError, Result, ResultExt};

/// How long a login lasts.
pub const SESSION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// Shortest accepted password.
pub const MIN_PASSWORD_LEN: usize = 8;

/// `n` random bytes from the OS, hex-encoded.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    if getrandom::fill(&mut buf).is_err() {
        // Without a kernel RNG there is no safe secret; an aborted process beats a guessable one.
        std::process::abort();
    }
    hex::encode(buf)
}

/// SHA-256 of `s`, hex. Used for session tokens and API keys, which are long random secrets.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    let _ = getrandom::fill(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|_| CoreError::Invalid(Invalid::one("password", "cannot be hashed")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| CoreError::Invalid(Invalid::one("password", "cannot be hashed")))
}

/// True when `password` matches the PHC `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Checks a tenant slug: 2-32 of a-z, 0-9 and -.
pub fn check_slug(slug: &str) -> Result<()> {
    let ok = (2..=32).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Invalid::one("slug", "must be 2-32 characters of a-z, 0-9 and -").into())
    }
}

/// Creates a tenant.
pub async fn create_tenant(db: &Db, slug: &str, name: &str) -> Result<Tenant> {
    check_slug(slug)?;
    let mut e = Invalid::default();
    let name = quanzi_domain::text::required(&mut e, "name", name, 64);
    let name = e.or_ok(name)?.unwrap_or_default();
    let mut tx = db.begin().await?;
    let t = tenant::create(&mut tx, slug, &name)
        .await
        .on_constraint(unique::TENANT_SLUG, |_| CoreError::conflict("slug"))?;
    tx.commit().await?;
    Ok(t.into())
}

/// The tenant with this slug, if there is one.
pub async fn tenant_by_slug(db: &Db, slug: &str) -> Result<Option<crate::views::Tenant>> {
    Ok(tenant::by_slug(db, slug).await?.map(Into::into))
}

/// The id of the tenant with this slug, if any.
pub async fn tenant_id_by_slug(db: &Db, slug: &str) -> Result<Option<TenantId>> {
    Ok(tenant::by_slug(db, slug)
        .await?
        .map(|t| TenantId(t.tenant_id)))
}

/// Creates an operator account in a tenant.
pub async fn create_operator(
    db: &Db,
    tenant: TenantId,
    email: &str,
    name: &str,
    role: OperatorRole,
    password: &str,
) -> Result<Operator> {
    let mut e = Invalid::default();
    let email = email.trim().to_lowercase();
    if email.len() > 254
        || !email.contains('@')
        || email.starts_with('@')
        || email.ends_with('@')
        || email.contains(char::is_whitespace)
    {
        e.push("email", "must be an email address");
    }
    let name = quanzi_domain::text::required(&mut e, "display_name", name, 64);
    if password.chars().count() < MIN_PASSWORD_LEN {
        e.push(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        );
    }
    e.or_ok(())?;
    let hash = hash_password(password)?;
    let mut tx = db.begin().await?;
    let op = repo::create_operator(
        &mut tx,
        tenant,
        &email,
        &name.unwrap_or_default(),
        role,
        &hash,
    )
    .await
    .on_constraint(unique::OPERATOR_EMAIL, |_| CoreError::conflict("email"))?;
    tx.commit().await?;
    Ok(op.into())
}

/// A started session: the cookie token (given to the browser once) and the session.
pub struct Login {
    /// The secret cookie value.
    pub token: String,
    /// The session as stored.
    pub session: SessionView,
}

/// Checks email and password and starts a session.
pub async fn login(db: &Db, email: &str, password: &str) -> Result<Login> {
    let email = email.trim().to_lowercase();
    if email.contains('\0') || email.len() > 254 {
        return Err(CoreError::BadCredentials);
    }
    let op = repo::operator_by_email(db, &email).await?;
    let Some(op) = op else {
        // Spend the same time as a real check so unknown emails cannot be told apart.
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let dummy = DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default());
        let _ = verify_password(password, dummy);
        return Err(CoreError::BadCredentials);
    };
    if !verify_password(password, &op.password_hash) {
        return Err(CoreError::BadCredentials);
    }
    let token = random_hex(32);
    let csrf = random_hex(16);
    repo::create_session(
        db,
        &sha256_hex(&token),
        TenantId(op.tenant_id),
        OperatorId(op.operator_id),
        &csrf,
        SESSION_TTL_MS,
    )
    .await?;
    let session = repo::session(db, &sha256_hex(&token))
        .await?
        .ok_or(CoreError::BadCredentials)?;
    Ok(Login {
        token,
        session: session.into(),
    })
}

/// The live session for a cookie token.
pub async fn session(db: &Db, token: &str) -> Result<Option<SessionView>> {
    Ok(repo::session(db, &sha256_hex(token)).await?.map(Into::into))
}

/// Ends a session.
pub async fn logout(db: &Db, token: &str) -> Result<()> {
    Ok(repo::delete_session(db, &sha256_hex(token)).await?)
}

/// A new API key: the stored record and the secret, shown once.
pub struct NewApiKey {
    /// The stored record (no secret).
    pub key: ApiKey,
    /// The full secret, `qz_` + 40 hex characters.
    pub secret: String,
}

/// Creates an API key for a tenant.
pub async fn create_api_key(
    db: &Db,
    tenant: TenantId,
    name: &str,
    scope: ApiScope,
) -> Result<NewApiKey> {
    let mut e = Invalid::default();
    let name = quanzi_domain::text::required(&mut e, "name", name, 64);
    let name = e.or_ok(name)?.unwrap_or_default();
    let secret = format!("qz_{}", random_hex(20));
    let prefix: String = secret.chars().take(10).collect();
    let mut tx = db.begin().await?;
    let key = repo::create_api_key(&mut tx, tenant, &name, &prefix, &sha256_hex(&secret), scope)
        .await
        .on_constraint(unique::API_KEY_HASH, |_| CoreError::conflict("key"))?;
    tx.commit().await?;
    Ok(NewApiKey {
        key: key.into(),
        secret,
    })
}

/// The unrevoked key whose secret this is.
pub async fn authenticate_key(db: &Db, secret: &str) -> Result<Option<ApiKey>> {
    if !secret.starts_with("qz_") || secret.len() > 100 {
        return Ok(None);
    }
    Ok(repo::api_key_by_hash(db, &sha256_hex(secret))
        .await?
        .map(Into::into))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let h = hash_password("correct horse").unwrap_or_default();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
    }

    #[test]
    fn slugs_are_lowercase_words() {
        assert!(check_slug("xianfeng-1").is_ok());
        assert!(check_slug("X").is_err());
        assert!(check_slug("a b").is_err());
    }
}
