//! The bounded soak: two minutes of mixed load on every HTTP and WebSocket
//! edge of a fresh `serve --demo`; `switchboard soak` itself fails when the
//! server's memory keeps growing after the warm-up or its descriptors do
//! not come back. The 30-minute run is `switchboard soak` (docs/security.md).

use std::process::Command;

#[test]
fn two_minutes_of_mixed_load_leave_no_growing_memory() {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["soak", "--seconds", "120", "--sample-seconds", "5"])
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("pass"), "{stdout}");
}
