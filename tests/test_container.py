"""The Dockerfile and compose.yaml, read as files (no Docker daemon in CI): a non-root multi-stage image with a health
check on /readyz and no secret in it; every service runs a `stomi` command that exists, with settings the app reads."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from stomi_app.cli import main

ROOT = Path(__file__).resolve().parents[1]
SECRET_WORDS = ("SECRET", "KEY", "PASSWORD", "TOKEN")
# Read by something other than the app's own settings: the PostgreSQL image, prometheus-client.
FOREIGN_ENV = {"POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD", "PROMETHEUS_MULTIPROC_DIR"}


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions, (KEYWORD, arguments), stage by stage; continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), rest.strip()))
    return stages


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def stomi_services() -> dict[str, dict]:
    return {name: service for name, service in compose()["services"].items()
            if service.get("image", "").startswith("stomi")}


def settings_the_app_reads() -> set[str]:
    """Every STOMI_* name the code reads: `_env("X")` in config.py and each literal "STOMI_…" in the code."""
    names = set()
    for path in [*(ROOT / "stomi_app").rglob("*.py"), *(ROOT / "fulfilment").rglob("*.py")]:
        source = path.read_text()
        names |= {f"STOMI_{name}" for name in re.findall(r'_env\("([A-Z0-9_]+)"', source)}
        names |= set(re.findall(r'"(STOMI_[A-Z0-9_]+)"', source))
    return names


def resolve(argv: list[str]) -> click.Command:
    """The command `argv` names in the `stomi` group, its options parsed as click would (nothing runs)."""
    assert argv[0] == "stomi", f"not a stomi command: {argv}"
    command: click.Command = main
    ctx = main.make_context("stomi", [], resilient_parsing=True)
    args = argv[1:]
    while isinstance(command, click.Group):
        assert args, f"{shlex.join(argv)} names a group, not a command"
        found = command.get_command(ctx, args[0])
        assert found is not None, f"{shlex.join(argv)}: no command {args[0]!r}"
        if isinstance(found, click.Group):  # no group here takes options of its own
            ctx = found.make_context(args[0], [], parent=ctx, resilient_parsing=True)
        else:
            found.make_context(args[0], args[1:], parent=ctx)  # raises on an unknown option or a bad value
        command, args = found, args[1:]
    return command


def test_the_image_is_multi_stage_and_runs_as_a_user_who_is_not_root():
    stages = dockerfile_stages()
    assert len(stages) >= 2
    final = stages[-1]
    users = [args for keyword, args in final if keyword == "USER"]
    assert users, "the runtime stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert any(keyword == "RUN" and "useradd" in args and user in args for keyword, args in final)
    # Built things come from the earlier stages; no compiler, npm or pip download in the runtime stage.
    assert not any(keyword == "RUN" and re.search(r"\b(npm|pip install|apt-get install)\b", args) for keyword, args in final)


def test_the_image_bakes_in_the_assets_and_compiled_catalogues():
    instructions = [step for stage in dockerfile_stages() for step in stage]
    assert any(keyword == "RUN" and "npm ci" in args for keyword, args in instructions)
    assert any(keyword == "RUN" and "pybabel compile -d translations" in args for keyword, args in instructions)
    assert any(keyword == "RUN" and "-c constraints.txt" in args for keyword, args in instructions)  # the exact pins
    copies = [args for keyword, args in dockerfile_stages()[-1] if keyword == "COPY"]
    assert any("node_modules/dkfds" in args for args in copies)
    # web.py serves DKFDS from node_modules/dkfds/dist beside the packages: the image must keep that layout.
    from stomi_app.web import DKFDS_DIST

    assert DKFDS_DIST.relative_to(ROOT).as_posix() == "node_modules/dkfds/dist"


def test_the_image_holds_every_installed_package():
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in patterns}
    build = dockerfile_stages()[1]
    copied = {args.split()[0] for keyword, args in build if keyword == "COPY"}
    # A package left out installs nothing and the app fails at its first import in production (notices and the
    # municipal API once were).
    assert packages <= copied, sorted(packages - copied)
    assert all((ROOT / package / "__init__.py").is_file() for package in packages)


def test_the_image_checks_readiness_and_serves_by_default():
    final = dockerfile_stages()[-1]
    healthchecks = [args for keyword, args in final if keyword == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and "/readyz" in healthchecks[0] and "8000" in healthchecks[0]
    env = " ".join(args for keyword, args in final if keyword == "ENV")
    assert "STOMI_BIND=0.0.0.0:8000" in env and "STOMI_ENV=production" in env
    cmd = next(args for keyword, args in reversed(final) if keyword == "CMD")
    assert resolve(yaml.safe_load(cmd)).name == "serve"


def test_no_secret_is_baked_into_the_image():
    for keyword, args in (step for stage in dockerfile_stages() for step in stage):
        if keyword in ("ENV", "ARG", "LABEL"):
            assert not any(word in args.upper() for word in SECRET_WORDS), f"{keyword} {args}"
    ignored = (ROOT / ".dockerignore").read_text().split()
    for private in ("instance", ".env", ".venv", "tests", "devtools"):
        assert private in ignored, f".dockerignore lets {private} into the image"


def test_every_service_runs_a_stomi_command_that_exists():
    services = stomi_services()
    assert {"migrate", "app", "dispatcher", "worker", "logistics-simulator"} <= set(services)
    commands = {name: resolve(service["command"]).name for name, service in services.items()}
    assert commands == {"migrate": "upgrade", "app": "serve", "dispatcher": "dispatch", "worker": "worker",
                        "logistics-simulator": "logistics-simulator"}


@pytest.mark.parametrize("argv", [["stomi", "no-such-command"], ["stomi", "fulfilment", "dispatch", "--no-such-option"],
                                  ["stomi", "db"], ["stomi", "logistics-simulator", "--port", "x"], ["gunicorn", "x"]])
def test_the_command_check_notices_a_command_that_does_not_exist(argv):
    with pytest.raises((AssertionError, click.UsageError)):
        resolve(argv)


def test_the_app_and_the_dispatcher_start_after_the_migrations_and_the_demo_provider_only_on_demand():
    services = compose()["services"]
    assert services["migrate"]["restart"] == "no"
    for name in ("app", "dispatcher", "worker", "logistics-simulator"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["logistics-simulator"]["profiles"] == ["demo"]
    assert all("profiles" not in services[name] for name in ("postgres", "redis", "migrate", "app", "dispatcher", "worker"))
    # Only the app answers HTTP: the image's health check would fail in the others.
    for name in ("migrate", "dispatcher", "worker", "logistics-simulator"):
        assert services[name]["healthcheck"] == {"disable": True}
    assert "healthcheck" not in services["app"]
    assert services["app"]["ports"] == ["127.0.0.1:8000:8000"]  # for the TLS proxy on this host, not the internet


def test_services_set_only_settings_the_app_reads_and_secrets_only_from_the_environment():
    known = settings_the_app_reads()
    for name, service in compose()["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            assert variable in known or variable in FOREIGN_ENV, f"{name}: {variable} is read by nothing"
            # A *_FILE setting is the path of a mounted secret, not the secret itself.
            if any(word in variable for word in SECRET_WORDS) and not variable.endswith("_FILE"):
                assert re.fullmatch(r"\$\{%s:[?-][^}]*\}" % variable, str(value)), f"{name}: {variable} is written in"
            assert "${" not in str(value) or re.search(r"\$\{[A-Z_]+:[?-]", str(value)), f"{name}: {variable}"


def test_the_production_settings_in_compose_pass_the_production_check(instance_dir, tmp_path):
    """With the operator's secrets and NemLog-in files given, the environment compose sets is one the app agrees to
    start with."""
    from stomi_app.config import load_config
    from stomi_app.configcheck import production_problems

    saml_dir = tmp_path / "saml"  # stands for the host folder compose mounts at /run/stomi/saml
    saml_dir.mkdir()
    for name in ("idp-metadata.xml", "sp-key.pem", "sp-cert.pem"):
        (saml_dir / name).write_text("test")

    def given(value: str) -> str:
        value = re.sub(r"\$\{STOMI_PUBLIC_URL:[?-]([^}]*)\}", "https://stomi.example.dk", value)
        return re.sub(r"\$\{[A-Z_]+:[?-]([^}]*)\}", "0" * 64, value).replace("/run/stomi/saml", str(saml_dir))

    environment = {variable: given(str(value)) for variable, value in stomi_services()["app"]["environment"].items()}
    monkeypatch = pytest.MonkeyPatch()
    try:
        for variable, value in environment.items():
            monkeypatch.setenv(variable, value)
        config = load_config(str(instance_dir), {})
        assert production_problems(config, environment) == []
        assert config["LOG_FORMAT"] == "json" and config["TRUST_REQUEST_ID"] is True
    finally:
        monkeypatch.undo()
