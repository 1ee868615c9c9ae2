//! Snapshots are plain Parquet: other tools read every table as it is.

use std::process::Command;

use crate::common::*;

/// The Python with duckdb that `scripts/test` installs; plain `python3` otherwise.
fn python_with_duckdb() -> Option<String> {
    let required = std::env::var("IAMSNAP_TEST_PYTHON").ok();
    let python = required.clone().unwrap_or_else(|| "python3".to_owned());
    let has = Command::new(&python)
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    match (has, required) {
        (true, _) => Some(python),
        (false, Some(p)) => panic!("IAMSNAP_TEST_PYTHON={p} cannot import duckdb"),
        (false, None) => {
            eprintln!("skipping: duckdb is not installed (scripts/test installs it)");
            None
        }
    }
}

#[test]
fn duckdb_reads_every_table_of_a_snapshot() {
    let Some(python) = python_with_duckdb() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s");
    ok(&[
        "import",
        "--auth-details",
        s(&fixture("auth-details/page1.json")),
        "--auth-details",
        s(&fixture("auth-details/page2.json")),
        "--credential-report",
        s(&fixture("credential-report/report.csv")),
        "-o",
        s(&snap),
    ]);
    let script = r#"
import duckdb, json, sys
snap = sys.argv[1]
manifest = json.load(open(f"{snap}/manifest.json"))
con = duckdb.connect()
for t in manifest["tables"]:
    path = f"{snap}/{t['file']}"
    n = con.execute(f"select count(*) from read_parquet('{path}')").fetchone()[0]
    cols = [d[0] for d in con.execute(f"select * from read_parquet('{path}') limit 1").description]
    print(t["name"], n, len(cols))
# Nested types: tags as a map, lists of actions.
print("tag", con.execute(f"select tags['team'] from read_parquet('{snap}/roles.parquet') where name = 'gh-deploy'").fetchone()[0])
print("actions", con.execute(f"select count(*) from (select unnest(actions) as action from read_parquet('{snap}/statements.parquet')) where action = 'iam:PassRole'").fetchone()[0])
print("tz", con.execute(f"select typeof(create_date) from read_parquet('{snap}/roles.parquet') limit 1").fetchone()[0])
"#;
    let out = Command::new(&python)
        .args(["-c", script, s(&snap)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for table in iamsnap_snapshot::TABLES {
        let expected = format!(
            "{} {} {}",
            table.name,
            rows(&snap, table.name),
            table.columns.len()
        );
        assert!(
            text.lines().any(|l| l == expected),
            "{expected} not in:\n{text}"
        );
    }
    assert!(text.contains("tag platform"), "{text}");
    assert!(text.contains("actions 1"), "{text}");
    assert!(text.contains("tz TIMESTAMP WITH TIME ZONE"), "{text}");
}

#[test]
fn duckdb_sees_one_row_group_per_account_in_an_organization_snapshot() {
    let Some(python) = python_with_duckdb() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture");
    let snap = dir.path().join("snap");
    ok(&[
        "generate",
        "--org",
        "--accounts",
        "5",
        "--roles-per-account",
        "30",
        "-o",
        s(&capture),
    ]);
    ok(&["import", "--aws-cli", s(&capture), "-o", s(&snap)]);
    // Each row group of a table holds one account, in account order, and its statistics say
    // which: a reader that skips row groups by statistics reads only the accounts asked for.
    let script = r#"
import duckdb, sys
snap = sys.argv[1]
con = duckdb.connect()
for table in ["roles", "policies", "statements", "attachments"]:
    path = f"{snap}/{table}.parquet"
    groups = con.execute(f"""
        select row_group_id, stats_min_value, stats_max_value, row_group_num_rows
        from parquet_metadata('{path}') where path_in_schema = 'account_id'
        order by row_group_id""").fetchall()
    accounts = [g[1] for g in groups]
    rows = dict(con.execute(
        f"select account_id, count(*) from read_parquet('{path}') group by 1").fetchall())
    exact = all(g[1] == g[2] and rows[g[1]] == g[3] for g in groups)
    print(table, "groups", len(groups), "exact", exact, "sorted", accounts == sorted(accounts))
"#;
    let out = Command::new(&python)
        .args(["-c", script, s(&snap)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for table in ["roles", "policies", "statements", "attachments"] {
        assert!(
            text.contains(&format!("{table} groups 5 exact True sorted True")),
            "{text}"
        );
    }

    // DuckDB skips the row groups of the other accounts: with one account's row group
    // overwritten with garbage (its column chunks, the footer intact), a query of another
    // account still reads its rows whole, while a scan of every account fails on the
    // damaged group. What is skipped is never read.
    let script = r#"
import duckdb, shutil, sys
snap, damaged = sys.argv[1], sys.argv[2]
con = duckdb.connect()
shutil.copy(f"{snap}/roles.parquet", damaged)
chunks = con.execute(f"""
    select row_group_id, path_in_schema, stats_min_value,
           coalesce(nullif(dictionary_page_offset, 0), data_page_offset), total_compressed_size
    from parquet_metadata('{damaged}')""").fetchall()
accounts = sorted({c[2] for c in chunks if c[1] == "account_id"})
broken, asked = accounts[1], accounts[3]
group = next(c[0] for c in chunks if c[1] == "account_id" and c[2] == broken)
data = bytearray(open(damaged, "rb").read())
for g, _, _, start, size in chunks:
    if g == group:
        data[start:start + size] = b"\xab" * size
open(damaged, "wb").write(data)
want = con.execute(f"select name, arn, assume_role_policy, tags from '{snap}/roles.parquet' where account_id = '{asked}' order by arn").fetchall()
got = con.execute(f"select name, arn, assume_role_policy, tags from '{damaged}' where account_id = '{asked}' order by arn").fetchall()
print("asked", len(got), "same", got == want)
try:
    con.execute(f"select count(distinct assume_role_policy) from '{damaged}'").fetchall()
    print("whole scan read the damaged group")
except Exception as e:
    print("whole scan failed")
"#;
    let damaged = dir.path().join("damaged.parquet");
    let out = Command::new(&python)
        .args(["-c", script, s(&snap), s(&damaged)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("asked 30 same True"), "{text}");
    assert!(text.contains("whole scan failed"), "{text}");
}
