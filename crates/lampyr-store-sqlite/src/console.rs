//! [`ConsoleStore`] on SQLite: users and their sessions (cascading on user delete).

use lampyr_store::{ConsoleStore, Role, SessionRow, StoreError, StoreFuture, UserRow};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::{backend, corrupt, SqliteStore};

fn user_row(r: &SqliteRow) -> Result<UserRow, StoreError> {
    let role: String = r.try_get("role").map_err(backend)?;
    Ok(UserRow {
        name: r.try_get("name").map_err(backend)?,
        role: Role::parse(&role).ok_or_else(|| corrupt("user role", &role))?,
        password_hash: r.try_get("password_hash").map_err(backend)?,
        created_at: r.try_get("created_at").map_err(backend)?,
        disabled: r.try_get("disabled").map_err(backend)?,
    })
}

fn session_row(r: &SqliteRow) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        token_hash: r.try_get("token_hash").map_err(backend)?,
        user: r.try_get("user").map_err(backend)?,
        csrf: r.try_get("csrf").map_err(backend)?,
        created_at: r.try_get("created_at").map_err(backend)?,
        expires_at: r.try_get("expires_at").map_err(backend)?,
    })
}

fn no_user(name: &str) -> StoreError {
    StoreError::NotFound {
        kind: "user",
        name: name.into(),
    }
}

fn no_session() -> StoreError {
    // The token hash is a credential: never echoed in errors.
    StoreError::NotFound {
        kind: "session",
        name: String::new(),
    }
}

impl ConsoleStore for SqliteStore {
    fn create_user(&self, user: UserRow) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let done = sqlx::query(
                "INSERT INTO users (name, role, password_hash, created_at, disabled) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
            )
            .bind(&user.name)
            .bind(user.role.as_str())
            .bind(&user.password_hash)
            .bind(user.created_at)
            .bind(user.disabled)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!(
                    "user {:?} already exists",
                    user.name
                )));
            }
            Ok(())
        })
    }

    fn update_user(&self, user: UserRow) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE users SET role = ?, password_hash = ?, disabled = ? WHERE name = ?",
            )
            .bind(user.role.as_str())
            .bind(&user.password_hash)
            .bind(user.disabled)
            .bind(&user.name)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Err(no_user(&user.name));
            }
            Ok(())
        })
    }

    fn get_user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, UserRow> {
        Box::pin(async move {
            let row = sqlx::query("SELECT * FROM users WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
            match row {
                Some(r) => user_row(&r),
                None => Err(no_user(name)),
            }
        })
    }

    fn list_users(&self) -> StoreFuture<'_, Vec<UserRow>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT * FROM users ORDER BY name")
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
            rows.iter().map(user_row).collect()
        })
    }

    fn delete_user<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM users WHERE name = ?")
                .bind(name)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Err(no_user(name));
            }
            Ok(())
        })
    }

    fn create_session(&self, session: SessionRow) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            // Selecting the user makes an unknown one NotFound rather than a foreign-key error.
            let done = sqlx::query(
                "INSERT INTO sessions (token_hash, user, csrf, created_at, expires_at) \
                 SELECT ?1, name, ?2, ?3, ?4 FROM users WHERE name = ?5 \
                 ON CONFLICT (token_hash) DO NOTHING",
            )
            .bind(&session.token_hash)
            .bind(&session.csrf)
            .bind(session.created_at)
            .bind(session.expires_at)
            .bind(&session.user)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 1 {
                return Ok(());
            }
            let exists = sqlx::query("SELECT 1 FROM users WHERE name = ?")
                .bind(&session.user)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
            match exists {
                None => Err(no_user(&session.user)),
                Some(_) => Err(StoreError::Conflict("session token already in use".into())),
            }
        })
    }

    fn get_session<'a>(&'a self, token_hash: &'a str, now: i64) -> StoreFuture<'a, SessionRow> {
        Box::pin(async move {
            let row = sqlx::query("SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?")
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
            match row {
                Some(r) => session_row(&r),
                None => Err(no_session()),
            }
        })
    }

    fn delete_session<'a>(&'a self, token_hash: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
                .bind(token_hash)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            Ok(())
        })
    }

    fn prune_sessions(&self, now: i64) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
                .bind(now)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            Ok(done.rows_affected())
        })
    }
}
