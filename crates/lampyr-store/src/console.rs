//! Console users and their login sessions.
//!
//! Passwords are stored as argon2id PHC strings and session tokens only as their SHA-256
//! (hex), so a copy of the database lets nobody log in.

use serde::{Deserialize, Serialize};

use crate::StoreFuture;

/// What a console user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Viewer, plus works incidents (status, assignee, notes, block, exception).
    Analyst,
    /// Everything, including gateway objects, credentials and users.
    Admin,
}

impl Role {
    /// Stable name (`viewer`, `analyst`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Analyst => "analyst",
            Self::Admin => "admin",
        }
    }

    /// Parses [`Role::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Self::Viewer),
            "analyst" => Some(Self::Analyst),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A console user.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    /// Login name, unique.
    pub name: String,
    /// Role.
    pub role: Role,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Disabled users cannot log in and their sessions are refused.
    pub disabled: bool,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("password_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// A login session.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    /// SHA-256 (lower-case hex) of the cookie token.
    pub token_hash: String,
    /// The user's name.
    pub user: String,
    /// The CSRF token every state-changing request of this session must carry.
    pub csrf: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; refused at or after.
    pub expires_at: i64,
}

impl std::fmt::Debug for SessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRow")
            .field("user", &self.user)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Persistent console users and sessions.
pub trait ConsoleStore: Send + Sync {
    /// Creates a user; `Conflict` when the name is taken.
    fn create_user(&self, user: UserRow) -> StoreFuture<'_, ()>;
    /// Replaces a user's role, hash and disabled flag.
    fn update_user(&self, user: UserRow) -> StoreFuture<'_, ()>;
    /// One user.
    fn get_user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, UserRow>;
    /// Every user, by name.
    fn list_users(&self) -> StoreFuture<'_, Vec<UserRow>>;
    /// Deletes a user and their sessions.
    fn delete_user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()>;

    /// Stores a session.
    fn create_session(&self, session: SessionRow) -> StoreFuture<'_, ()>;
    /// A session by token hash, unless it expired before `now` (unix seconds).
    fn get_session<'a>(&'a self, token_hash: &'a str, now: i64) -> StoreFuture<'a, SessionRow>;
    /// Ends a session (logout); unknown hashes are ignored.
    fn delete_session<'a>(&'a self, token_hash: &'a str) -> StoreFuture<'a, ()>;
    /// Deletes expired sessions; returns how many.
    fn prune_sessions(&self, now: i64) -> StoreFuture<'_, u64>;
}
