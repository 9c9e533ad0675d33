# mixpanel_data task runner. `just` lists the recipes.
set shell := ["bash", "-euo", "pipefail", "-c"]
set positional-arguments := true

# uv must use this machine's Python, never download one.
export UV_PYTHON_DOWNLOADS := "never"
export UV_PYTHON_PREFERENCE := "only-system"

# List the recipes
default:
    @just --list

# Create or update .venv from uv.lock (the machine's python3; the dev group brings the [sandbox] extra)
sync:
    uv sync --locked --python python3 --quiet

# The main job: sandbox -> fetch into DuckDB -> SQL -> a live query
demo *ARGS: sync
    uv run --no-sync python scripts/demo.py "$@"

# Run the test suite
test *ARGS: sync
    uv run --no-sync pytest -n 2 --dist loadgroup "$@"

# Run the tests with a coverage report
test-cov *ARGS: sync
    uv run --no-sync pytest --cov=mixpanel_data --cov-report=term-missing:skip-covered "$@"

# Lint, typecheck and test
check: lint typecheck test

# Lint with ruff (generated/ is excluded)
lint: sync
    uv run --no-sync ruff check src tests scripts
    uv run --no-sync ruff format --check src tests scripts

# Apply ruff's automatic fixes
lint-fix: sync
    uv run --no-sync ruff check --fix src tests scripts

# Format the handwritten code
fmt: sync
    uv run --no-sync ruff format src tests scripts

# Type-check src/ with mypy --strict
typecheck: sync
    uv run --no-sync mypy

# Regenerate generated/mixpanel_openapi from spec/
generate: sync
    uv run --no-sync python scripts/generate.py

# Fail when generated/ differs from what spec/ produces
check-generated: sync
    uv run --no-sync python scripts/generate.py --check

# Compare spec/ with Mixpanel's published OpenAPI documents (default: ../shared/reference/mixpanel-openapi)
spec-drift *ARGS: sync
    uv run --no-sync python scripts/spec_drift.py "$@"

# Run the CLI: just mp --help (prints only what mp prints)
[no-exit-message]
mp *ARGS:
    @uv sync --locked --python python3 --quiet
    @uv run --no-sync mp "$@"

# Benchmarks: `just bench NAME [ARGS]` runs scripts/bench_NAME.py (fetch, import, ...); default fetch
bench NAME="fetch" *ARGS: sync
    #!/usr/bin/env bash
    set -euo pipefail
    name="$1"; shift || true
    script="scripts/bench_${name//-/_}.py"
    if [[ ! -f "$script" ]]; then
        echo "no benchmark named '$name'; have: $(ls scripts/bench_*.py | sed 's|scripts/bench_||; s|\.py||' | tr '\n' ' ')" >&2
        exit 3
    fi
    uv run --no-sync python "$script" "$@"

# Start-up times of `import mixpanel_data` and `mp` commands, as ratios to `python -c pass`
bench-startup *ARGS: sync
    uv run --no-sync python scripts/bench_startup.py "$@"

# Build the docs site into build/site (mkdocs --strict: any warning fails)
docs: sync
    NO_MKDOCS_2_WARNING=1 uv run --no-sync mkdocs build --strict

# Serve the docs site with live reload on http://127.0.0.1:8000
docs-serve: sync
    NO_MKDOCS_2_WARNING=1 uv run --no-sync mkdocs serve --dev-addr 127.0.0.1:8000

# Execute examples/quickstart.ipynb top to bottom (its own sandbox); the run is saved to build/
notebook: sync
    mkdir -p build
    uv run --no-sync jupyter execute examples/quickstart.ipynb --output=../build/quickstart
    @echo "executed notebook: build/quickstart.ipynb"

# Build the wheel, install it with base dependencies only, fetch and query a sandbox with it
check-wheel: sync
    uv run --no-sync python scripts/check_wheel.py

# Everything CI runs
ci: check-generated lint typecheck docs test check-wheel

