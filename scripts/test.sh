#!/usr/bin/env bash
# Every test: the Rust suite (`cargo test --release`), then the Python package in a virtual
# environment under target/pyenv: `pip install './python[pandas]'` (one maturin build, release,
# sharing target/ with the Rust build), pytest, and the Spark local-mode test (pyspark from
# PyPI; a Java runtime: `java` when there is one of version 17 or later, else Debian's
# openjdk-17-jre-headless through apt-get). Safe to run again: what is there is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n== %s\n' "$*" >&2; }

step "Rust: cargo test --release"
cargo test --release --locked
# The Python tests compare with this binary (cargo test builds it too; this is a no-op then).
cargo build --release --locked --bin pagesift

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "test.sh: need root to run: $*" >&2; return 1; fi
}

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"
}

step "Python: virtual environment in target/pyenv"
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null; then apt_install python3 python3-venv; fi
venv=$root/target/pyenv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$venv"
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    apt_install python3-venv
    "$python" -m venv "$venv"
  fi
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check './python[pandas]' \
  -r python/requirements-test.txt

step "Java for Spark"
java_major() {
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[."].*/\1/p' | head -n 1
}
java_bin=$(command -v java || true)
java_version=$([ -n "$java_bin" ] && java_major "$java_bin" || true)
if [ -z "$java_version" ] || [ "$java_version" -lt 17 ]; then
  apt_install openjdk-17-jre-headless || apt_install default-jre-headless
  # The Java just installed (another JDK may be there too, newer than Spark supports).
  java_bin=$(ls /usr/lib/jvm/java-17-openjdk-*/bin/java 2>/dev/null | head -n 1)
  [ -n "$java_bin" ] || java_bin=$(command -v java)
fi
JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$java_bin")")")
export JAVA_HOME
echo "java: $java_bin (version $(java_major "$java_bin"))" >&2

step "Python: pytest (with Spark in local mode)"
cd "$root/python"
PAGESIFT_REQUIRE_SPARK=1 PAGESIFT_BIN="$root/target/release/pagesift" \
  "$venv/bin/python" -m pytest -p no:cacheprovider tests
