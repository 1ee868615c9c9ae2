//! End-to-end tests of the `iamsnap` binary live in `tests/`.
