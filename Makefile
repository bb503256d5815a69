# Praktijk: `make run` starts everything, `make test` runs every test. See README.md.
SHELL := /bin/sh
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PORT ?= 8000

.PHONY: run test bench venv messages makemessages lint lint-imports bandit audit-deps format check-deploy ci vendor vnu clean

# A fresh machine needs nothing but Python >= 3.12: no PostgreSQL, no Redis. Ctrl-C stops all.
# `make run PORT=8101` serves on another port; the links in e-mails follow it (SITE_URL).
run: venv messages
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo
	@echo "Praktijk: http://127.0.0.1:$(PORT)/  (web, Celery worker and beat; Ctrl-C stops all)"
	@echo "E-mail is written to var/mail/. Second factor is not enforced in this demo."
	@echo
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} \
	PRAKTIJK_REQUIRE_MFA=$${PRAKTIJK_REQUIRE_MFA:-false} $(PY) scripts/supervise.py -f Procfile.dev -p $(PORT)

# The whole suite. Uses DATABASE_URL / CELERY_BROKER_URL when set (else SQLite and the embedded
# SQLite broker); browser tests skip with a notice without Chromium, unless E2E=required. The
# HTML check (every page through the Nu Html Checker) installs the checker first when npm is
# there, and skips with a notice without it or without Java, unless E2E=required.
test: venv messages
	@[ -f $(VNU_JAR) ] || ! command -v npm >/dev/null 2>&1 || $(MAKE) --no-print-directory vnu \
		|| echo "Could not install the Nu Html Checker (make vnu): the HTML check is skipped"
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The Nu Html Checker (vnu.jar, run with Java 17+) from npm's vnu-jar, pinned, into var/vnu/;
# coaching/tests/test_html_valid.py reads the version from here. Its postinstall script (a Java
# download) is not run.
VNU_VERSION := 26.9.27
VNU_JAR := var/vnu/$(VNU_VERSION)/node_modules/vnu-jar/build/dist/vnu.jar
vnu: $(VNU_JAR)

$(VNU_JAR):
	npm install --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
		--prefix var/vnu/$(VNU_VERSION) vnu-jar@$(VNU_VERSION)
	@test -f $@

# The main pages at a practice of 10 clients (S) and an organisation of 10,000 (L) against a floor
# page, free slots, bookings, and gunicorn with production settings under wrk (installed here when
# missing), written to docs/benchmarks.md; the invoice pages, written to bench/RESULTS.md; 10,000
# reminders through Redis and a real worker into an SMTP sink, timed against 10,000 no-op tasks,
# written to bench/REMINDERS.md. On PostgreSQL and Redis on this machine unless DATABASE_URL /
# CELERY_BROKER_URL are set.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/praktijk_bench
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/13
bench: venv messages
	@command -v wrk >/dev/null || { echo "Installing wrk (the HTTP tier's load generator)"; \
		{ apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } || { \
		echo "Could not install wrk: install Debian's package wrk (sudo apt-get install wrk)"; \
		exit 1; }; }
	DATABASE_URL="$${DATABASE_URL:-$(BENCH_DATABASE_URL)}" \
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-$(BENCH_BROKER_URL)}" \
	PRAKTIJK_N_PLUS_ONE_CHECK=false $(VENV)/bin/pytest bench -q -s

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@if [ ! -x $(PY) ]; then \
		python=$$(PYTHON="$(PYTHON)" scripts/find-python) || exit 1; \
		echo "Creating $(VENV) with $$python"; \
		"$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Compiles locale/*.po with msgfmt (gettext) when it is installed, else with polib (pure Python).
messages: venv
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(MANAGE) compilemessages --ignore=.venv --ignore=var -v0; \
	else \
		$(PY) scripts/compile_messages.py; \
	fi

makemessages: venv
	$(MANAGE) makemessages -l nl -l en --ignore=.venv --ignore=var --no-obsolete

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The apps depend one way (README "Architecture"; contracts in pyproject.toml): privacy, billing,
# groups, sessions, trajects, audit, coaching from the top down. A new upward import fails here.
lint-imports: venv
	$(VENV)/bin/lint-imports --no-cache

# bandit over our own code (not tests or migrations): no medium or high finding may stand.
bandit: venv
	$(VENV)/bin/bandit -q -r coaching trajects groups sessions billing audit privacy scripts \
		-x '*/tests/*,*/migrations/*' --severity-level medium

# Known vulnerabilities in the pinned requirements (PyPI's advisories; see the script's note on
# why not pip-audit itself). Fails on a vulnerable pin; lists the pins it could not check.
audit-deps: venv
	$(PY) scripts/audit_requirements.py requirements.txt requirements-dev.txt

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The deploy check with production settings (the service URLs are only parsed, not contacted).
check-deploy: venv
	PRAKTIJK_ENV=production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	ALLOWED_HOSTS=praktijk.example SITE_URL=https://praktijk.example \
	DATABASE_URL=postgres://praktijk@localhost/praktijk \
	CELERY_BROKER_URL=redis://localhost:6379/0 CACHE_URL=redis://localhost:6379/1 \
	PRAKTIJK_ENCRYPTION_KEYS=$$($(PY) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())') \
	$(MANAGE) check --deploy --fail-level WARNING

ci:
	bash .ci/run

# Refreshes static/vendor/ from the npm packages named in package.json.
vendor:
	npm install --no-save --no-audit --no-fund
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* static/vendor/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	rm -rf node_modules package-lock.json

clean:
	rm -rf $(VENV) var
