// version_pairs_cargo.rs: the semver crate's verdict on pairs of versions
// (Debian's librust-semver-dev, built with rustc, offline), for
// tests/interop/test_versions_interop.sh.
//
// Reads "a<TAB>b" lines on stdin; prints "<", "=" or ">" for the SemVer
// precedence of Version::parse(a) and Version::parse(b) (major, minor,
// patch, then the crate's own pre-release order; build metadata left out,
// as precedence does), or "invalid" when the crate refuses either: the
// output format of tests/interop/version_pairs.
use std::io::{self, BufRead, Write};

fn main() {
    let stdin = io::stdin();
    let mut out = io::BufWriter::new(io::stdout());
    for line in stdin.lock().lines() {
        let line = line.expect("reading stdin");
        let (a, b) = line.split_once('\t').expect("line without a tab");
        let verdict = match (semver::Version::parse(a), semver::Version::parse(b)) {
            (Ok(va), Ok(vb)) => {
                let ka = (va.major, va.minor, va.patch, &va.pre);
                let kb = (vb.major, vb.minor, vb.patch, &vb.pre);
                match ka.cmp(&kb) {
                    std::cmp::Ordering::Less => "<",
                    std::cmp::Ordering::Equal => "=",
                    std::cmp::Ordering::Greater => ">",
                }
            }
            _ => "invalid",
        };
        writeln!(out, "{}", verdict).expect("writing stdout");
    }
}
