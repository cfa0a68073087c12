//! Snapshot tests of the command line (`trycmd`): the help of every command and subcommand,
//! and every user-facing error that needs no heavy fixture, each with its exit code. The cases
//! are `tests/cmd/*.toml`, their expected output the `.stdout`/`.stderr` files beside them;
//! after an intended change, regenerate them with `TRYCMD=overwrite cargo test snapshots` and
//! review the diff. Inputs are committed text files (`tests/cmd/fixtures/`) and the frozen
//! vectors (`tests/vectors/v1/`), so the outputs never hold temporary paths or times.

#[test]
fn cli_snapshots() {
    trycmd::TestCases::new()
        .register_bin("breakglass", crate::support::binary())
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.toml");
}
