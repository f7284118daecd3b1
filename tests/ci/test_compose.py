"""The deployment beyond one machine (`deploy/compose.yaml`) holds together.

The file is read as YAML and checked against what the code needs: every required setting is
given to each process that runs the image, services wait for the health of what they use, only
official images besides the project's own, no secret in the repository. It is validated against
the Compose Specification's JSON schema (`deploy/compose-spec.json`, from compose-spec/compose-spec,
Apache-2.0) by the small validator below, as the project has no JSON-schema library; where
Docker's compose plugin is installed, ``docker compose config`` checks it as well, and elsewhere
(docker is not one of the machine's promised tools) that part skips.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML comes with ShopifyAPI, a dependency

from app.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
SCHEMA = DEPLOY / "compose-spec.json"  # compose-spec/compose-spec schema/compose-spec.json at 170098b
APP_SERVICES = ("migrate", "web", "worker")
"""The services that run the project's image, so need its settings."""
OFFICIAL_IMAGES = {"postgres", "redis"}
TOPOLOGY_SETTINGS = {"DATABASE_URL", "REDIS_URL"}
"""Settings with a default for one machine (SQLite, the embedded runner) that this topology must set."""
WAITS = {"service_healthy", "service_completed_successfully"}
SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "KEY")
PLACEHOLDERS = {"", "change-me"}
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
REAL_KEY = "0123456789abcdef" * 4


class StrictLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; compose refuses the file, and so does this."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode) and key.value != "<<"]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise yaml.constructor.ConstructorError(None, None, f"repeated keys {repeated}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


def compose() -> dict[str, Any]:
    data = yaml.load(COMPOSE.read_text(), Loader=StrictLoader)  # a SafeLoader: no object tags
    assert isinstance(data, dict)
    return data


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def example_env() -> dict[str, str]:
    """``deploy/.env.example`` as compose reads it: ``NAME=value`` lines, comments skipped."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f"not NAME=value: {line!r}"
            values[name.strip()] = value.strip()
    return values


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}``; ``$$`` is a literal ``$``."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2) or "", match.group(3) or ""
        have = env.get(name)
        if have is not None and (have != "" or not op.startswith(":")):
            return have
        if op.endswith("-"):
            return arg
        if op.endswith("?"):
            raise KeyError(f"{name}: {arg}")
        return ""

    return "$".join(VARIABLE.sub(one, part) for part in value.split("$$"))


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def required_settings() -> set[str]:
    """Every setting without a default (the app refuses to start without it), as its variable."""
    return {name.upper() for name, field in Settings.model_fields.items() if field.is_required()}


def variables_used() -> dict[str, str]:
    """Each variable the compose file interpolates, with its operator (``:?`` required, ``:-`` default)."""
    return {m.group(1): m.group(2) or "" for m in VARIABLE.finditer(COMPOSE.read_text())}


JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "null": (type(None),),
    "number": (int, float),
    "integer": (int,),
}


def schema_errors(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "") -> list[str]:
    """Where ``value`` breaks ``schema``: the draft-07 keywords the Compose schema uses (type,
    properties, patternProperties, additionalProperties, items, required, enum, oneOf, $ref,
    uniqueItems, minimum, maximum, pattern); anything else it holds is descriptive."""
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return schema_errors(value, target, root, at)
    if "oneOf" in schema:
        each = [schema_errors(value, s, root, at) for s in schema["oneOf"]]
        passing = sum(not errors for errors in each)
        if passing == 0:  # the alternative of the value's own type says what is wrong
            wrong_type = f"{at or '/'}: {type(value).__name__} where"
            return min(each, key=lambda errors: (any(e.startswith(wrong_type) for e in errors), len(errors)))
        if passing > 1:
            return [f"{at or '/'}: matches {passing} of the oneOf alternatives, not exactly one"]
    errors: list[str] = []
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else types
        ok = any(isinstance(value, JSON_TYPES[t]) for t in allowed)
        if ok and isinstance(value, bool) and not {"boolean"} & set(allowed):
            ok = False  # a YAML true is no number
        if not ok:
            return [f"{at or '/'}: {type(value).__name__} where the schema wants {allowed}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{at}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{at}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            errors.append(f"{at}: {value} is out of range")
    if isinstance(value, list):
        if schema.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
            errors.append(f"{at}: repeated items")
        if isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                errors += schema_errors(item, schema["items"], root, f"{at}/{i}")
    if isinstance(value, dict):
        errors += [f"{at}: {key} is required" for key in schema.get("required", []) if key not in value]
        for key, item in value.items():
            where = f"{at}/{key}"
            if key in schema.get("properties", {}):
                errors += schema_errors(item, schema["properties"][key], root, where)
                continue
            matched = [s for p, s in schema.get("patternProperties", {}).items() if re.search(p, key)]
            for sub in matched:
                errors += schema_errors(item, sub, root, where)
            extra = schema.get("additionalProperties", True)
            if not matched and extra is False:
                errors.append(f"{where}: not a key the specification knows")
            elif not matched and isinstance(extra, dict):
                errors += schema_errors(item, extra, root, where)
    return errors


def interpolated(value: Any, env: dict[str, str]) -> Any:
    """The file as compose sees it once the variables are set."""
    if isinstance(value, dict):
        return {k: interpolated(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolated(v, env) for v in value]
    return interpolate(value, env) if isinstance(value, str) else value


def spec_errors(data: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    return schema_errors(interpolated(data, example_env()), schema, schema)


def test_the_file_follows_the_compose_specification() -> None:
    assert spec_errors(compose()) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d["services"]["web"].update(healtcheck={"test": ["CMD", "true"]}), "/services/web/healtcheck"),
        (lambda d: d["services"]["worker"]["deploy"].update(replicas=[2]), "/services/worker/deploy/replicas"),
        (lambda d: d["services"]["web"]["depends_on"]["redis"].update(condition="ready"), "'ready' is not one of"),
        (lambda d: d.update(service={}), "/service:"),
    ],
)
def test_the_specification_check_refuses_a_broken_file(change: Any, complaint: str) -> None:
    """The validator above is no rubber stamp: a misspelt key, a wrong type, an unknown condition."""
    data = compose()
    change(data)
    assert any(complaint in error for error in spec_errors(data)), spec_errors(data)


def test_every_service_has_an_image_or_the_projects_build() -> None:
    for name, service in services().items():
        assert "image" in service or "build" in service, f"{name} has neither image nor build"
        if "build" not in service:
            repository = service["image"].split(":")[0]
            assert repository in OFFICIAL_IMAGES, f"{name}: {service['image']} is not an official image we allow"


def test_web_worker_and_migrations_run_the_projects_dockerfile() -> None:
    for name in APP_SERVICES:
        build = services()[name]["build"]
        context = (COMPOSE.parent / build["context"]).resolve()
        assert context == ROOT, f"{name} builds {context}, not the project"
        assert (context / build.get("dockerfile", "Dockerfile")).is_file()
    assert services()["web"]["command"][:2] == ["rapport", "serve"]
    assert services()["worker"]["command"] == ["rapport", "worker"]
    assert services()["migrate"]["command"] == ["rapport", "migrate"]


def test_dependencies_are_defined_and_waited_for() -> None:
    """A dependency is waited for until healthy (it has a healthcheck) or, for the one-shot
    migration, until it exited 0; the short form would only wait for the container to start."""
    defined = services()
    for name, service in defined.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on must say what to wait for (the long form)"
        for target, spec in depends.items():
            assert target in defined, f"{name} depends on {target}, which is not a service"
            condition = spec.get("condition")
            assert condition in WAITS, f"{name} → {target}: condition {condition!r} does not wait for readiness"
            if condition == "service_healthy":
                assert "healthcheck" in defined[target], f"{name} waits for {target}'s health, which it never reports"
            else:
                assert defined[target].get("restart") == "no", f"{target} is waited for to finish but restarts"


def test_every_long_running_service_reports_its_health() -> None:
    for name, service in services().items():
        if service.get("restart") != "no":
            test = service.get("healthcheck", {}).get("test")
            assert test and test[0] in {"CMD", "CMD-SHELL"}, f"{name} has no healthcheck"
    assert "/healthz" in " ".join(services()["web"]["healthcheck"]["test"])


def test_the_app_processes_get_every_setting_the_app_requires() -> None:
    assert "SECRET_KEY" in required_settings()  # the app's one required setting today
    wanted = required_settings() | TOPOLOGY_SETTINGS
    first = environment(services()[APP_SERVICES[0]])
    for name in APP_SERVICES:
        env = environment(services()[name])
        assert wanted <= env.keys(), f"{name} lacks {sorted(wanted - env.keys())}"
        assert env == first, f"{name} runs under other settings than {APP_SERVICES[0]}"
    urls = {key: urlsplit(interpolate(first[key], example_env())) for key in TOPOLOGY_SETTINGS}
    assert urls["DATABASE_URL"].scheme == "postgres" and urls["DATABASE_URL"].hostname == "postgres"
    assert urls["REDIS_URL"].scheme == "redis" and urls["REDIS_URL"].hostname == "redis"
    assert {"postgres", "redis"} <= services().keys()


def test_the_compose_environment_loads_as_settings_once_the_secret_is_set() -> None:
    """What web and worker would start with: the example's placeholder key is refused (so a
    deployment left unset does not start), a real one gives PostgreSQL and arq on Redis."""
    env = {k: interpolate(v, example_env()) for k, v in environment(services()["web"]).items()}
    given = {k.lower(): v for k, v in env.items() if v != ""}  # the app ignores empty variables
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings(_env_file=None, **given)
    settings = load_settings(_env_file=None, **(given | {"secret_key": REAL_KEY}))
    assert not settings.is_sqlite
    assert settings.redis_url == env["REDIS_URL"]
    assert urlsplit(settings.database_url).password == example_env()["POSTGRES_PASSWORD"]


def test_only_web_publishes_ports() -> None:
    published = sorted(name for name, service in services().items() if service.get("ports"))
    assert published == ["web"]
    assert services()["web"]["deploy"]["replicas"] >= 2
    assert services()["worker"]["deploy"]["replicas"] >= 2


def test_no_secret_is_in_the_repository() -> None:
    """Secrets reach the file only as variables (a default only empty), the example holds placeholders."""
    for name, service in services().items():
        for key, value in environment(service).items():
            if any(word in key for word in SECRET_WORDS):
                found = VARIABLE.fullmatch(value)
                assert found, f"{name}: {key} is written in the file, not taken from .env"
    for match in VARIABLE.finditer(COMPOSE.read_text()):
        name, op, default = match.groups()
        if any(word in name for word in SECRET_WORDS) and op and op.endswith("-"):
            assert not default, f"{name} defaults to a value written in the file"
    example = example_env()
    for key, value in example.items():
        if any(word in key for word in SECRET_WORDS):
            assert value in PLACEHOLDERS, f".env.example holds a value for {key}"
    assert not (DEPLOY / ".env").exists() or _ignored(DEPLOY / ".env")


def _ignored(path: Path) -> bool:
    done = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT, timeout=30)
    return done.returncode == 0


def test_the_example_sets_exactly_what_the_file_requires() -> None:
    used, example = variables_used(), example_env()
    required = {name for name, op in used.items() if op.endswith("?")}
    assert required <= example.keys(), f".env.example lacks {sorted(required - example.keys())}"
    assert example.keys() <= used.keys(), f".env.example sets what the file never reads: {example.keys() - used.keys()}"
    with pytest.raises(KeyError, match="SECRET_KEY"):
        interpolate(environment(services()["web"])["SECRET_KEY"], {})


def test_the_replica_is_a_standby_of_the_primary() -> None:
    primary, replica = services()["postgres"], services()["postgres-replica"]
    assert replica["image"] == primary["image"], "pg_basebackup needs the primary's major version"
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert replica.get("profiles") == ["replica"]  # nothing reads it yet (README: not built)
    for service in (primary, replica):
        for volume in service["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("."):
                script = COMPOSE.parent / source
                assert script.is_file(), f"{source} is mounted but missing"
                done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
                assert done.returncode == 0, done.stderr
    entry = (DEPLOY / "postgres" / "replica-entrypoint.sh").read_text()
    assert "--write-recovery-conf" in entry and "pg_basebackup" in entry
    assert "REPLICATION" in (DEPLOY / "postgres" / "primary-init.sh").read_text()


def test_the_image_holds_every_package_the_project_installs() -> None:
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    copied = set(re.findall(r"^COPY (\S+) \1\s*$", (ROOT / "Dockerfile").read_text(), re.MULTILINE))
    missing = sorted(p.rstrip("*") for p in packages["include"] if p.rstrip("*") not in copied)
    assert not missing, f"the image would lack {missing}"


def _docker_compose() -> str:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed: the YAML checks above stand in for `docker compose config`")
    version = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=60)
    if version.returncode != 0:
        reason = (version.stderr or version.stdout).strip().splitlines()
        pytest.skip(
            f"docker has no compose plugin ({reason[0] if reason else version.returncode}): the schema check stands in"
        )
    return docker


@pytest.mark.parametrize("profile", [None, "replica"])
def test_docker_compose_config_accepts_the_file(profile: str | None) -> None:
    docker = _docker_compose()
    command = [docker, "compose", "-f", str(COMPOSE), "--env-file", str(ENV_EXAMPLE)]
    command += ["--profile", profile] if profile else []
    done = subprocess.run([*command, "config", "-q"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
