//! The command line as an operator uses it: config show, admin, import with and without
//! --skip-bad, and the exit codes a script can rely on.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_quanzi");

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("QUANZI_DATABASE_URL", "sqlite://./q.db")
        .env("QUANZI_LGO", "typo")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn config_show_masks_the_password_and_reports_unknown_variables() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args([
            "config",
            "show",
            "--database-url",
            "postgres://quanzi:s3cret@db/quanzi",
        ])
        .current_dir(dir.path())
        .env("QUANZI_LGO", "x")
        .output()
        .unwrap();
    assert!(o.status.success());
    let t = text(&o);
    assert!(
        t.contains("postgres://quanzi:****@db/quanzi") && !t.contains("s3cret"),
        "{t}"
    );
    assert!(
        t.contains("QUANZI_LGO"),
        "a misspelt variable is reported: {t}"
    );
}

#[test]
fn an_import_with_a_bad_row_writes_nothing_unless_told_to_skip_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(
        run(d, &["admin", "create-tenant", "shop", "鲜果店"])
            .status
            .success()
    );
    std::fs::write(
        d.join("m.csv"),
        "name,district,phone\n王芳,南山区,13800138000\n李雷,福田区,12345\n",
    )
    .unwrap();
    let o = run(d, &["import", "members", "m.csv", "--tenant", "shop"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("line 3: phone"), "{}", text(&o));
    let o = run(
        d,
        &[
            "import",
            "members",
            "m.csv",
            "--tenant",
            "shop",
            "--skip-bad",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 imported"), "{}", text(&o));
    let rejects = std::fs::read_to_string(d.join("m.rejects.csv")).unwrap();
    assert!(
        rejects.contains("李雷") && rejects.contains("line 3"),
        "{rejects}"
    );
    let o = run(d, &["import", "members", "m.csv", "--tenant", "nobody"]);
    assert!(!o.status.success() && text(&o).contains("no tenant"));
}

#[test]
fn an_api_key_is_printed_once_and_works_for_its_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(
        run(d, &["admin", "create-tenant", "shop", "鲜果店"])
            .status
            .success()
    );
    let o = run(
        d,
        &[
            "admin",
            "create-user",
            "--tenant",
            "shop",
            "--email",
            "a@shop.cn",
            "--name",
            "小林",
            "--role",
            "boss",
            "--password",
            "password123",
        ],
    );
    assert!(!o.status.success() && text(&o).contains("role must be one of"));
    let o = run(
        d,
        &[
            "admin",
            "create-user",
            "--tenant",
            "shop",
            "--email",
            "a@shop.cn",
            "--name",
            "小林",
            "--role",
            "admin",
            "--password",
            "short",
        ],
    );
    assert!(!o.status.success() && text(&o).contains("password"));
    let o = run(
        d,
        &[
            "admin",
            "create-api-key",
            "--tenant",
            "shop",
            "--name",
            "sync",
            "--scope",
            "write",
        ],
    );
    assert!(o.status.success());
    let key = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(key.starts_with("qz_") && key.len() == 43, "{key}");
}

#[test]
fn the_server_key_is_named_by_config_show_never_shown_and_rotated_by_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(d, &["admin", "rotate-server-key"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("replaced by"), "{}", text(&o));
    let key = std::fs::read_to_string(d.join("server.key")).unwrap();
    assert_eq!(key.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("server.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let o = run(d, &["config", "show"]);
    let t = text(&o);
    assert!(t.contains("# server key: ./server.key"), "{t}");
    assert!(!t.contains(key.trim()), "{t}");
    assert!(run(d, &["admin", "rotate-server-key"]).status.success());
    let rotated = std::fs::read_to_string(d.join("server.key")).unwrap();
    assert_ne!(rotated, key);
}
